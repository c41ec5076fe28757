/**
 * The compiled cache's layout in the bucket and its `index.json` schema:
 *
 *   cache/<dataset.hash>/<variant>/index.json               written last, put-if-absent (the commit point)
 *   cache/<dataset.hash>/<variant>/shard-00000-<sha16>.bin  concatenated uint8 HWC images, content-addressed
 *
 * `dataset.hash` covers classes and every sample's split, label and content digest, so a changed upload gets a
 * new prefix; the variant names what the pixels are (max shorter side, channels, alpha background, resampling
 * kernel). Entries are keyed by a sample's content digest, so duplicate files are stored once.
 */
import { z } from "zod";
import type { PreprocessSpec } from "../preprocess/spec.js";

export const CACHE_PREFIX = "cache/";
const FORMAT = 1;

/** What the cached pixels are; part of the key. */
export interface CacheVariant {
  /** Images whose shorter side is larger are downscaled to it (never upscaled). */
  side: number;
  channels: 1 | 3;
  background: "black" | "white";
  interpolation: PreprocessSpec["interpolation"];
}

const ShardSchema = z.object({
  key: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const EntrySchema = z.object({
  shard: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

export const CacheIndexSchema = z.object({
  format: z.literal(FORMAT),
  datasetHash: z.string().min(1),
  variant: z.object({
    side: z.number().int().positive(),
    channels: z.union([z.literal(1), z.literal(3)]),
    background: z.enum(["black", "white"]),
    interpolation: z.enum(["bilinear", "bicubic", "nearest", "lanczos"]),
  }),
  shards: z.array(ShardSchema),
  /** Content digest → where its pixels are. */
  entries: z.record(z.string(), EntrySchema),
});

/**
 * The compiled cache's `index.json`: its variant and where each sample's pixels are.
 * @example
 * const index: CacheIndex = (await openDatasetCache(store, dataset, spec))!.index;
 */
export type CacheIndex = z.infer<typeof CacheIndexSchema>;
export type CacheShard = z.infer<typeof ShardSchema>;
export type CacheEntry = z.infer<typeof EntrySchema>;

/** The format version written into `index.json`. */
export const CACHE_FORMAT = FORMAT;

/**
 * The variant a spec needs: `side` defaults to `spec.resize`, which keeps eval tensors identical to the files'.
 *
 * @example
 * cacheVariant(resolvePreprocessSpec({ size: 224 })); // { side: 256, channels: 3, background: "black", interpolation: "bilinear" }
 */
export function cacheVariant(spec: PreprocessSpec, side = spec.resize): CacheVariant {
  return { side, channels: spec.inChannels, background: spec.background, interpolation: spec.interpolation };
}

/**
 * The key prefix of one dataset's cache variant (ends with `/`).
 *
 * @example
 * cacheDir("3f…", variant); // "cache/3f…/v1-s256-c3-black-bilinear/"
 */
export function cacheDir(datasetHash: string, v: CacheVariant): string {
  return `${CACHE_PREFIX}${datasetHash}/v${FORMAT}-s${v.side}-c${v.channels}-${v.background}-${v.interpolation}/`;
}

/**
 * The content-addressed key of shard `n`.
 *
 * @example
 * shardKey(dir, 0, sha); // ".../shard-00000-0123456789abcdef.bin"
 */
export function shardKey(dir: string, n: number, sha256: string): string {
  return `${dir}shard-${String(n).padStart(5, "0")}-${sha256.slice(0, 16)}.bin`;
}
