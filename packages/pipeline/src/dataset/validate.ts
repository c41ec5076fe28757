/**
 * Per-file validation before training: read the bytes, check the header (format, size, pixel limit), then a full
 * decode (the dHash thumbnail) with `failOn: "truncated"`. Bad files become skip entries, never exceptions —
 * except a store object that does not exist, which the caller turns into a dataset-level error for manifests.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs";
import { NotFoundError } from "../errors.js";
import { openImage, readHeader } from "../preprocess/decode.js";
import { type ImageErrorCode, toImageError } from "../preprocess/errors.js";
import { endsEarly } from "../preprocess/image-format.js";
import type { ObjectStore } from "../store/object-store.js";
import { dHash } from "./dhash.js";
import { mapBounded } from "./map-bounded.js";
import type { Candidate, SampleRef, SkippedFile, SkipReason } from "./types.js";

export interface ValidatedFile {
  candidate: Candidate;
  digest: string;
  width: number;
  height: number;
  /** Bands in the file (1–2 grey). */
  channels: number;
  hash: bigint;
}

export interface ValidationResult {
  valid: ValidatedFile[];
  skipped: SkippedFile[];
  missing: Candidate[];
}

const REASONS: Record<ImageErrorCode, SkipReason> = {
  image_empty: "empty",
  image_not_an_image: "not_an_image",
  image_truncated: "truncated",
  image_not_decodable: "not_decodable",
  image_too_many_pixels: "too_many_pixels",
  image_too_small: "too_small",
  unsupported_media_type: "unsupported_format",
};

/**
 * Reads a sample's bytes from wherever it lives.
 *
 * @example
 * const bytes = await readRef(store, { kind: "store", key: "datasets/a/cat/1.jpg" });
 */
export async function readRef(store: ObjectStore, ref: SampleRef): Promise<Buffer> {
  if (ref.kind === "store") return store.get(ref.key);
  // The callback readFile: one stat + one read on the thread pool, where fs/promises' FileHandle path makes
  // several round trips per file (≈0.5 ms CPU per small image in the loader profile) and competes with libvips.
  return new Promise((resolve, reject) =>
    readFile(ref.path, (err, data) => (err ? reject(err) : resolve(data))),
  );
}

/**
 * Re-runs a failed decode to learn why it failed. libvips keeps one process-wide error buffer, so failures that
 * happen at the same time can read (or clear) each other's messages; {@link validateCandidates} therefore calls
 * this only after the concurrent pass, one file at a time. Failures are rare, so this costs little.
 */
async function failureReason(bytes: Buffer, maxPixels: number): Promise<unknown> {
  try {
    const header = await readHeader(bytes, maxPixels);
    await dHash(openImage(bytes, maxPixels), header);
    return new Error("image_not_decodable");
  } catch (err) {
    return err;
  }
}

/** A candidate whose decode failed during the concurrent pass; classified afterwards. */
interface Failed {
  failed: Candidate;
}

async function validateOne(
  store: ObjectStore,
  c: Candidate,
  limits: { minSide: number; maxPixels: number },
): Promise<ValidatedFile | SkippedFile | Failed | "missing"> {
  let bytes: Buffer;
  try {
    bytes = await readRef(store, c.ref);
  } catch (err) {
    if (err instanceof NotFoundError) return "missing";
    return { path: c.path, reason: "unreadable", detail: (err as Error).message };
  }
  try {
    const header = await readHeader(bytes, limits.maxPixels);
    if (Math.min(header.width, header.height) < limits.minSide) {
      const detail = `${header.width}x${header.height} is below minSide ${limits.minSide}`;
      return { path: c.path, reason: "too_small", detail };
    }
    const hash = await dHash(openImage(bytes, limits.maxPixels), header);
    const digest = createHash("sha256").update(bytes).digest("hex");
    return {
      candidate: c,
      digest,
      width: header.width,
      height: header.height,
      channels: header.channels,
      hash,
    };
  } catch {
    return { failed: c };
  }
}

async function classifyFailure(store: ObjectStore, c: Candidate, maxPixels: number): Promise<SkippedFile> {
  let bytes: Buffer;
  try {
    bytes = await readRef(store, c.ref);
  } catch (err) {
    return { path: c.path, reason: "unreadable", detail: (err as Error).message };
  }
  const e = toImageError(await failureReason(bytes, maxPixels), { endsEarly: endsEarly(bytes) });
  return { path: c.path, reason: REASONS[e.code as ImageErrorCode] ?? "not_decodable", detail: e.message };
}

/**
 * Validates candidates with bounded concurrency.
 *
 * @example
 * const { valid, skipped } = await validateCandidates(store, candidates, { minSide: 16, maxPixels: 1e8 }, 8);
 */
export async function validateCandidates(
  store: ObjectStore,
  candidates: Candidate[],
  limits: { minSide: number; maxPixels: number },
  concurrency: number,
): Promise<ValidationResult> {
  const results = await mapBounded(candidates, concurrency, (c) => validateOne(store, c, limits));
  const out: ValidationResult = { valid: [], skipped: [], missing: [] };
  for (const [i, r] of results.entries()) {
    if (r === "missing") out.missing.push(candidates[i]!);
    else if ("failed" in r) out.skipped.push(await classifyFailure(store, r.failed, limits.maxPixels));
    else if ("reason" in r) out.skipped.push(r);
    else out.valid.push(r);
  }
  return out;
}
