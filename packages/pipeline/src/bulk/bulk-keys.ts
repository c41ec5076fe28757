/**
 * The output layout of a bulk run, relative to its `out` location: `part-<id>.jsonl` (or `.parquet`) per batch, `_parts/part-<id>.json`
 * (the batch's counts and failures, written last: its presence means the part is done), and `_SUCCESS` (the
 * manifest). A part id is a hash of the batch's keys, so the same listing batched the same way finds its parts
 * again and a re-run skips them.
 */
import { createHash } from "node:crypto";

/** The manifest object of a run. */
export const MANIFEST_KEY = "_SUCCESS";
/** Where the part summaries live. */
export const SUMMARY_PREFIX = "_parts/";

/**
 * The part id of a batch: first key, last key and count, hashed.
 * @example
 * partId(["a.jpg", "b.jpg"]); // "part-3f0c…" (16 hex digits)
 */
export function partId(keys: readonly string[]): string {
  const h = createHash("sha256").update(`${keys[0]}\0${keys.at(-1)}\0${keys.length}`);
  return `part-${h.digest("hex").slice(0, 16)}`;
}

/**
 * A part's key: its id and the run's format.
 * @example
 * partKey("part-3f0c1e2d4b5a6978"); // "part-3f0c1e2d4b5a6978.jsonl"
 * partKey("part-3f0c1e2d4b5a6978", "parquet"); // "part-3f0c1e2d4b5a6978.parquet"
 */
export function partKey(id: string, format: "jsonl" | "parquet" = "jsonl"): string {
  return `${id}.${format}`;
}

/**
 * @example
 * summaryKey("part-3f0c1e2d4b5a6978"); // "_parts/part-3f0c1e2d4b5a6978.json"
 */
export function summaryKey(id: string): string {
  return `${SUMMARY_PREFIX}${id}.json`;
}
