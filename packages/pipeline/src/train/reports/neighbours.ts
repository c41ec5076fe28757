/**
 * The validation embeddings a version stores for `/v1/neighbours`: the final evaluation's pooled features (the
 * eval transform, the same pass the centroids come from), L2-normalised as `/v1/embeddings` returns them, capped by
 * a deterministic per-class sample, each with its dataset key, label and a small JPEG thumbnail.
 */
import sharp from "sharp";
import { mapBounded } from "../../dataset/map-bounded.js";
import type { NeighboursIndex } from "../../registry/neighbour-files.js";
import { encodeNeighbourMatrix } from "../../registry/neighbour-files.js";

/** Rows stored at most, by default: about 10 MB of float32 at 512 dims, 4 MB of thumbnails. */
export const DEFAULT_MAX_NEIGHBOURS = 5000;
/** Thumbnail edge in pixels. */
export const THUMBNAIL_SIZE = 64;

/**
 * Which rows to keep: every row when there are at most `cap`, else a per-class share (classes take turns, so
 * a small class keeps all it has and the rest is shared), each class's picks evenly spaced over its rows. The
 * same labels always give the same rows.
 *
 * @example
 * sampleNeighbourRows([0, 0, 0, 1], 2, 2); // [0, 3]
 */
export function sampleNeighbourRows(labels: ArrayLike<number>, numClasses: number, cap: number): number[] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]!]?.push(i);
  if (labels.length <= cap) return Array.from({ length: labels.length }, (_, i) => i);
  const quota = byClass.map(() => 0);
  let left = Math.max(0, cap);
  while (left > 0) {
    let gave = false;
    for (let c = 0; c < numClasses && left > 0; c++) {
      if (quota[c]! < byClass[c]!.length) {
        quota[c]! += 1;
        left -= 1;
        gave = true;
      }
    }
    if (!gave) break;
  }
  const picked: number[] = [];
  byClass.forEach((rows, c) => {
    const q = quota[c]!;
    for (let j = 0; j < q; j++) picked.push(rows[Math.floor((j * rows.length) / q)]!);
  });
  return picked.sort((a, b) => a - b);
}

/**
 * What to store: the final evaluation's features and the validation images' keys and bytes.
 * @example
 * const input: NeighbourInput = { features, dim: 512, labels, classNames, keys, cap: 5000, image: (i) => readRef(store, val[i].ref) };
 */
export interface NeighbourInput {
  /** `[n, dim]` row-major, the raw pooled features of the validation split (eval transform). */
  features: Float32Array;
  dim: number;
  labels: ArrayLike<number>;
  classNames: readonly string[];
  /** Dataset key of each validation image. */
  keys: readonly string[];
  /** @default DEFAULT_MAX_NEIGHBOURS */
  cap?: number;
  /** The original bytes of validation image `i`, for its thumbnail; rows without one have no thumbnail. */
  image?: (i: number) => Promise<Buffer>;
  log?: (line: string) => void;
}

/**
 * The stored files: `neighbours.json`'s index, `neighbours.bin` and `neighbours-thumbs.bin` (absent without
 * thumbnails).
 * @example
 * const files: NeighbourFiles = await neighbourFiles(input);
 */
export interface NeighbourFiles {
  index: NeighboursIndex;
  bin: Buffer;
  thumbs?: Buffer;
}

async function thumbnail(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes)
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "cover" })
    .flatten({ background: "#ffffff" })
    .jpeg({ quality: 75 })
    .toBuffer();
}

/**
 * Build the stored neighbour files (rows L2-normalised, thumbnails made with sharp; a thumbnail that fails is
 * left out and logged once, it never fails the publication).
 *
 * @example
 * const { index, bin, thumbs } = await neighbourFiles({ features, dim, labels, classNames, keys });
 */
export async function neighbourFiles(input: NeighbourInput): Promise<NeighbourFiles> {
  const { dim, features, labels, classNames, keys } = input;
  const n = labels.length;
  const picked = sampleNeighbourRows(labels, classNames.length, input.cap ?? DEFAULT_MAX_NEIGHBOURS);
  const matrix = new Float32Array(picked.length * dim);
  picked.forEach((i, r) => {
    const row = features.subarray(i * dim, (i + 1) * dim);
    let norm = 0;
    for (const x of row) norm += x * x;
    const scale = 1 / (Math.sqrt(norm) || 1);
    for (let j = 0; j < dim; j++) matrix[r * dim + j] = row[j]! * scale;
  });
  let failed = 0;
  const images = input.image
    ? await mapBounded(picked, 8, async (i) => {
        try {
          return await thumbnail(await input.image!(i));
        } catch {
          failed++; // an unreadable image only loses its thumbnail
          return undefined;
        }
      })
    : [];
  if (failed > 0) (input.log ?? console.warn)(`neighbours: ${failed} thumbnail(s) could not be made`);
  let offset = 0;
  const parts: Buffer[] = [];
  const rows = picked.map((i, r) => {
    const row = { key: keys[i] ?? `#${i}`, label: classNames[labels[i]!] ?? String(labels[i]) };
    const t = images[r];
    if (!t) return row;
    parts.push(t);
    offset += t.length;
    return { ...row, thumb: [offset - t.length, t.length] as [number, number] };
  });
  const index: NeighboursIndex = {
    dim,
    count: picked.length,
    dtype: "float32",
    total: n,
    ...(parts.length > 0 ? { thumbnails: { contentType: "image/jpeg" as const, size: THUMBNAIL_SIZE } } : {}),
    rows,
  };
  return {
    index,
    bin: encodeNeighbourMatrix(matrix),
    ...(parts.length > 0 ? { thumbs: Buffer.concat(parts) } : {}),
  };
}

/**
 * What `metrics.json` records under `neighbours`: stored (how many of how many, dim, thumbnails) or why not.
 * @example
 * const summary: NeighboursSummary = { stored: true, count: 120, total: 120, dim: 64, thumbnails: true };
 */
export type NeighboursSummary =
  | { stored: true; count: number; total: number; dim: number; thumbnails: boolean }
  | { stored: false; reason: string };

/**
 * The summary of what was (or was not) stored.
 * @example
 * neighboursSummary(files.index); // { stored: true, count: 120, total: 120, dim: 64, thumbnails: true }
 */
export function neighboursSummary(index: NeighboursIndex | string): NeighboursSummary {
  if (typeof index === "string") return { stored: false, reason: index };
  const { count, total, dim } = index;
  return { stored: true, count, total, dim, thumbnails: index.thumbnails !== undefined };
}

/**
 * The model card's section on stored validation embeddings.
 * @example
 * card += neighboursSection(neighboursSummary(files.index));
 */
export function neighboursSection(s: NeighboursSummary): string {
  if (!s.stored) return `\n## Nearest validation neighbours\n\nNot stored: ${s.reason}.\n`;
  return (
    `\n## Nearest validation neighbours\n\n${s.count} of ${s.total} validation embeddings (${s.dim} dims, ` +
    `L2-normalised, sampled per class) are stored in \`neighbours.bin\`${s.thumbnails ? " with thumbnails" : ""}; ` +
    "`POST /v1/neighbours` returns the nearest ones.\n"
  );
}
