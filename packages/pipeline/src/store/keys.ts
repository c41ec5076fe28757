/**
 * Key and prefix validation shared by every ObjectStore implementation, so S3 and the local directory accept
 * exactly the same keys (a dataset that works locally must work on S3, and a key can never escape the local root).
 */
import { InvalidInputError } from "../errors.js";

/** Why a key is refused, or undefined when it is fine. Separate from the throwing form so callers can collect issues. */
function keyProblem(key: string, allowPrefix: boolean): string | undefined {
  if (key.includes("\0")) return "contains a NUL character";
  if (key.includes("\\")) return "contains a backslash (keys are '/'-separated)";
  if (key.startsWith("/")) return "is absolute (starts with '/')";
  if (Buffer.byteLength(key, "utf8") > 1024) return "is longer than 1024 bytes (the S3 limit)";
  if (key === "") return allowPrefix ? undefined : "is empty";
  const segments = key.split("/");
  // A prefix may end with "/" (the last segment is then empty); a key may not, because a directory cannot be a file.
  const last = segments.length - 1;
  for (const [i, segment] of segments.entries()) {
    if (segment === "..") return "contains a '..' segment";
    if (segment === ".") return "contains a '.' segment";
    if (segment === "" && !(allowPrefix && i === last))
      return "contains an empty segment ('//' or a trailing '/')";
  }
  return undefined;
}

/**
 * Throw InvalidInputError (code `invalid_key`) unless `key` is a safe object key.
 *
 * @example
 * assertValidKey("datasets/flowers.zip"); // ok
 * assertValidKey("../etc/passwd"); // throws InvalidInputError { code: "invalid_key" }
 */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key, false);
  if (problem !== undefined) {
    throw new InvalidInputError("invalid_key", `Invalid object key ${JSON.stringify(key)}: it ${problem}.`);
  }
}

/**
 * Like assertValidKey, but for list prefixes: the empty prefix and a trailing `/` are allowed.
 *
 * @example
 * assertValidPrefix(""); // ok: everything
 * assertValidPrefix("models/cats/"); // ok
 */
export function assertValidPrefix(prefix: string): void {
  const problem = keyProblem(prefix, true);
  if (problem !== undefined) {
    throw new InvalidInputError(
      "invalid_key",
      `Invalid key prefix ${JSON.stringify(prefix)}: it ${problem}.`,
    );
  }
}

/**
 * Compare keys the way S3 lists them: by UTF-8 bytes (JS string order differs for characters above U+FFFF).
 *
 * @example
 * ["b", "a"].sort(compareKeys); // ["a", "b"]
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
