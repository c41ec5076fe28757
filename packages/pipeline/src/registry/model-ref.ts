/**
 * Model names, versions and `name[@version]` references. Names become bucket prefixes, so they are validated
 * before any key is built: no slashes, no `..`, nothing that could walk out of `models/`.
 */
import { InvalidInputError } from "../errors.js";

/** Allowed model names: lowercase, digits, `.`, `_`, `-`; at most 63 characters; no leading punctuation. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** Versions are generated (`20251127T162135123Z-3f9a`) or given; same alphabet plus uppercase. */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A parsed `name[@version]`. */
export interface ModelRef {
  name: string;
  /** undefined means "the `latest` version". */
  version?: string;
}

function rejectDots(value: string, what: string): void {
  // `..` passes the character class but must never reach a key; `.` alone is equally meaningless.
  if (value.includes("..") || value === ".") {
    throw new InvalidInputError(
      `invalid_${what}`,
      `${what.replace("_", " ")} "${value}" must not contain ".."`,
    );
  }
}

/**
 * Throw InvalidInputError (code `invalid_model_name`) unless `name` is a safe model name.
 * @example
 * validateModelName("flowers"); // ok
 * validateModelName("../etc"); // throws
 */
export function validateModelName(name: string): string {
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new InvalidInputError(
      "invalid_model_name",
      `model name "${name}" must match ${MODEL_NAME_PATTERN.source} (lowercase letters, digits, ".", "_", "-")`,
    );
  }
  rejectDots(name, "model_name");
  return name;
}

/**
 * Throw InvalidInputError (code `invalid_version`) unless `version` is a safe version id.
 * @example
 * validateVersion("20251127T162135123Z-3f9a");
 */
export function validateVersion(version: string): string {
  if (!VERSION_PATTERN.test(version)) {
    throw new InvalidInputError(
      "invalid_version",
      `model version "${version}" must match ${VERSION_PATTERN.source}`,
    );
  }
  rejectDots(version, "version");
  return version;
}

/**
 * Parse `name` or `name@version`.
 * @example
 * parseModelRef("flowers@20251127T162135123Z-3f9a"); // { name: "flowers", version: "20251127T162135123Z-3f9a" }
 */
export function parseModelRef(ref: string): ModelRef {
  const at = ref.indexOf("@");
  if (at < 0) return { name: validateModelName(ref) };
  const name = validateModelName(ref.slice(0, at));
  return { name, version: validateVersion(ref.slice(at + 1)) };
}

/** `name@version` or `name`. @example formatModelRef({ name: "a", version: "1" }) // "a@1" */
export function formatModelRef(ref: ModelRef): string {
  return ref.version === undefined ? ref.name : `${ref.name}@${ref.version}`;
}
