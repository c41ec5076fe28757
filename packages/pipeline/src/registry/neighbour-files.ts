/**
 * The stored validation embeddings of a model version: `neighbours.bin` (float32, little-endian, row-major
 * `[count, dim]`, every row L2-normalised: the embedding `/v1/embeddings` returns for that image) and
 * `neighbours.json` (dim, count, dtype, and per row the dataset key, the label and where its thumbnail lies in
 * `neighbours-thumbs.bin`, a concatenation of small JPEGs). `/v1/neighbours` answers from them.
 */
import { z } from "zod";
import { StoredModelError } from "../errors.js";

/** File names inside `models/<name>/<version>/`. */
export const NEIGHBOURS_JSON = "neighbours.json";
export const NEIGHBOURS_BIN = "neighbours.bin";
export const NEIGHBOURS_THUMBS = "neighbours-thumbs.bin";

const NeighbourRowSchema = z
  .object({
    /** The image's key in its dataset (the path the user uploaded). */
    key: z.string(),
    label: z.string(),
    /** `[offset, length]` of its JPEG thumbnail in `neighbours-thumbs.bin`. */
    thumb: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).optional(),
  })
  .strict();

/** `neighbours.json`. */
export const NeighboursIndexSchema = z
  .object({
    dim: z.number().int().positive(),
    count: z.number().int().nonnegative(),
    dtype: z.literal("float32"),
    /** Validation images in the split, before the cap. */
    total: z.number().int().nonnegative(),
    thumbnails: z
      .object({ contentType: z.literal("image/jpeg"), size: z.number().int().positive() })
      .optional(),
    rows: z.array(NeighbourRowSchema),
  })
  .strict()
  .refine((v) => v.rows.length === v.count, { message: "rows must have `count` entries", path: ["rows"] });

/**
 * `neighbours.json` as parsed.
 * @example
 * const index: NeighboursIndex = { dim: 64, count: 1, total: 1, dtype: "float32", rows: [{ key: "a/1.png", label: "a" }] };
 */
export type NeighboursIndex = z.infer<typeof NeighboursIndexSchema>;

/**
 * The loaded files: the index, the `[count, dim]` matrix and the thumbnails blob (when stored).
 * @example
 * const stored: StoredNeighbours = decodeNeighbours(index, binBytes);
 */
export interface StoredNeighbours {
  index: NeighboursIndex;
  matrix: Float32Array;
  thumbs?: Buffer;
}

/**
 * The matrix of `neighbours.bin` checked against its index (StoredModelError `invalid_model_file` when the sizes
 * disagree).
 * @example
 * const { matrix } = decodeNeighbours(index, await store.get(`${prefix}neighbours.bin`));
 */
export function decodeNeighbours(index: NeighboursIndex, bin: Buffer, thumbs?: Buffer): StoredNeighbours {
  const expected = index.count * index.dim * 4;
  if (bin.length !== expected) {
    throw new StoredModelError(
      "invalid_model_file",
      `${NEIGHBOURS_BIN} is ${bin.length} bytes; ${NEIGHBOURS_JSON} says ${index.count} × ${index.dim} float32 (${expected})`,
    );
  }
  // Copy: a Buffer may sit at an unaligned offset of Node's pool.
  const matrix = new Float32Array(index.count * index.dim);
  for (let i = 0; i < matrix.length; i++) matrix[i] = bin.readFloatLE(i * 4);
  return { index, matrix, ...(thumbs ? { thumbs } : {}) };
}

/**
 * The bytes of `neighbours.bin` for a row-major float32 matrix (little-endian, whatever the host).
 * @example
 * const bin = encodeNeighbourMatrix(rows); // Buffer of rows.length * 4 bytes
 */
export function encodeNeighbourMatrix(matrix: Float32Array): Buffer {
  const out = Buffer.alloc(matrix.length * 4);
  for (let i = 0; i < matrix.length; i++) out.writeFloatLE(matrix[i]!, i * 4);
  return out;
}

/**
 * One neighbour: the stored image's key and label, its cosine similarity to the query, and (when asked and stored)
 * its thumbnail as a data URL.
 * @example
 * const n: Neighbour = { key: "val/red/3.png", label: "red", similarity: 0.98 };
 */
export interface Neighbour {
  key: string;
  label: string;
  similarity: number;
  thumbnail?: string;
}

/**
 * The `k` stored rows most similar (cosine, i.e. dot product of unit vectors) to `query`, best first.
 * `query` is normalised here, so a raw embedding works too.
 * @example
 * const best = nearestNeighbours(stored, embedding, 5, { thumbnails: true });
 */
export function nearestNeighbours(
  stored: StoredNeighbours,
  query: ArrayLike<number>,
  k: number,
  opts: { thumbnails?: boolean } = {},
): Neighbour[] {
  const { dim, count, rows } = stored.index;
  let norm = 0;
  for (let j = 0; j < dim; j++) norm += (query[j] ?? 0) ** 2;
  norm = Math.sqrt(norm) || 1;
  const scored: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    let dot = 0;
    const o = i * dim;
    for (let j = 0; j < dim; j++) dot += stored.matrix[o + j]! * (query[j] ?? 0);
    scored.push([i, dot / norm]);
  }
  scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return scored.slice(0, k).map(([i, similarity]) => {
    const row = rows[i]!;
    const thumb = opts.thumbnails && stored.thumbs && row.thumb ? thumbnailUrl(stored, row.thumb) : undefined;
    return { key: row.key, label: row.label, similarity, ...(thumb ? { thumbnail: thumb } : {}) };
  });
}

function thumbnailUrl(stored: StoredNeighbours, [offset, length]: [number, number]): string | undefined {
  const bytes = stored.thumbs!.subarray(offset, offset + length);
  if (bytes.length !== length) return undefined;
  return `data:${stored.index.thumbnails?.contentType ?? "image/jpeg"};base64,${bytes.toString("base64")}`;
}
