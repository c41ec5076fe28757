/** Pagination helpers shared by the stores: page size limits and the opaque token of LocalObjectStore. */
import { InvalidInputError } from "../errors.js";

/** S3's ceiling for one ListObjectsV2 page; the local store uses the same so callers see one behaviour. */
export const MAX_PAGE_SIZE = 1000;

/**
 * Validate a requested page size (default and ceiling 1000).
 *
 * @example
 * pageLimit(undefined); // 1000
 * pageLimit(0); // throws InvalidInputError { code: "invalid_limit" }
 */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InvalidInputError("invalid_limit", `Page limit must be a positive integer, got ${limit}.`);
  }
  return Math.min(limit, MAX_PAGE_SIZE);
}

/**
 * The local store's continuation token: the last key of the previous page, base64url-encoded.
 *
 * @example
 * decodePageToken(encodePageToken("a/b")); // "a/b"
 */
export function encodePageToken(lastKey: string): string {
  return Buffer.from(lastKey, "utf8").toString("base64url");
}

/** Inverse of encodePageToken; a token that does not decode is InvalidInputError `invalid_token`. */
export function decodePageToken(token: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) {
    throw new InvalidInputError("invalid_token", `Malformed page token ${JSON.stringify(token)}.`);
  }
  return Buffer.from(token, "base64url").toString("utf8");
}
