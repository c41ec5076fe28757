/** Parsing of `s3://bucket/prefix` locations. */
import { InvalidInputError } from "../errors.js";
import { assertValidPrefix } from "./keys.js";

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing `/` ("" for the bucket root). */
  prefix: string;
}

/**
 * Split an `s3://` URL into bucket and prefix; anything else is InvalidInputError `invalid_location`.
 *
 * @example
 * parseS3Url("s3://residual-data/models/cats/"); // { bucket: "residual-data", prefix: "models/cats" }
 */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/.exec(url);
  if (!match?.[1]) {
    throw new InvalidInputError(
      "invalid_location",
      `Not an s3://bucket[/prefix] URL: ${JSON.stringify(url)}.`,
    );
  }
  const prefix = (match[2] ?? "").replace(/\/+$/, "");
  try {
    assertValidPrefix(prefix);
  } catch (err) {
    throw new InvalidInputError("invalid_location", `Invalid prefix in ${JSON.stringify(url)}.`, {
      cause: err,
    });
  }
  return { bucket: match[1], prefix };
}
