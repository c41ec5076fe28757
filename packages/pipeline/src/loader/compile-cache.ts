/**
 * Writes a dataset's compiled cache: every distinct image (by content digest) decoded once to uint8 at the
 * variant's size and packed into large shards, then `index.json`. Two jobs may compile the same dataset at once:
 * shards are content-addressed and put-if-absent, and `index.json` is put-if-absent last, so the loser of the
 * race keeps a valid index of its own (its shards exist too) while readers open the winner's. Memory stays bounded by one shard
 * plus a window of decodes.
 */
import { webcrypto } from "node:crypto";
import { mapBounded } from "../dataset/map-bounded.js";
import type { Dataset, Sample } from "../dataset/types.js";
import { readRef } from "../dataset/validate.js";
import { ConflictError } from "../errors.js";
import type { RawImage } from "../preprocess/decode.js";
import { decodeResized } from "../preprocess/decode-resized.js";
import type { PreprocessSpec } from "../preprocess/spec.js";
import type { ObjectStore } from "../store/object-store.js";
import {
  CACHE_FORMAT,
  type CacheEntry,
  type CacheIndex,
  type CacheShard,
  type CacheVariant,
  cacheDir,
  shardKey,
} from "./cache-index.js";

/** Options of {@link compileDatasetCache}. */
export interface CompileCacheOptions {
  /** Maximum shorter side of the cached images (default `spec.resize`). */
  side?: number;
  /** Target shard size in bytes (default 64 MiB); a shard closes once it reaches this. */
  shardBytes?: number;
  /** Concurrent reads/decodes (default 8). */
  concurrency?: number;
  /** Called for images that could not be decoded (they stay uncached; the loader reads their files). */
  onSkip?: (sample: Sample, err: unknown) => void;
}

const DEFAULT_SHARD_BYTES = 64 * 1024 * 1024;

/** Accumulates decoded images into shards and uploads each as it fills. */
class ShardWriter {
  readonly shards: CacheShard[] = [];
  readonly entries: Record<string, CacheEntry> = {};
  private parts: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly dir: string,
    private readonly limit: number,
  ) {}

  async add(digest: string, raw: RawImage): Promise<void> {
    this.entries[digest] = {
      shard: this.shards.length,
      offset: this.size,
      width: raw.width,
      height: raw.height,
    };
    this.parts.push(raw.data);
    this.size += raw.data.length;
    if (this.size >= this.limit) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const body = Buffer.concat(this.parts, this.size);
    // Hashed on the libuv pool (WebCrypto), not on the loop that drives the decodes.
    const sha256 = Buffer.from(await webcrypto.subtle.digest("SHA-256", body)).toString("hex");
    const key = shardKey(this.dir, this.shards.length, sha256);
    await putIfAbsent(this.store, key, body, "application/octet-stream");
    this.shards.push({ key, bytes: body.length, sha256 });
    this.parts = [];
    this.size = 0;
  }
}

/** Put-if-absent where an existing object is fine (content-addressed, or a race another writer won). */
async function putIfAbsent(
  store: ObjectStore,
  key: string,
  body: Buffer | string,
  contentType: string,
): Promise<boolean> {
  try {
    await store.put(key, body, { ifAbsent: true, contentType });
    return true;
  } catch (err) {
    if (err instanceof ConflictError) return false;
    throw err;
  }
}

function distinctSamples(dataset: Dataset): Sample[] {
  const seen = new Set<string>();
  return [...dataset.train, ...dataset.val].filter((s) => {
    if (!s.digest || seen.has(s.digest)) return false;
    seen.add(s.digest);
    return true;
  });
}

/**
 * Compiles (or adopts a concurrently compiled) cache for `dataset` and returns its index.
 *
 * @example
 * const index = await compileDatasetCache(store, dataset, spec);
 * const cache = await openDatasetCache(store, dataset, spec);
 */
export async function compileDatasetCache(
  store: ObjectStore,
  dataset: Dataset,
  spec: PreprocessSpec,
  opts: CompileCacheOptions = {},
): Promise<CacheIndex> {
  const variant: CacheVariant = {
    side: opts.side ?? spec.resize,
    channels: spec.inChannels,
    background: spec.background,
    interpolation: spec.interpolation,
  };
  const dir = cacheDir(dataset.hash, variant);
  const writer = new ShardWriter(store, dir, opts.shardBytes ?? DEFAULT_SHARD_BYTES);
  const samples = distinctSamples(dataset);
  const window = Math.max(1, opts.concurrency ?? 8);
  // Decode a window at a time and append in dataset order, so shard contents are deterministic.
  for (let i = 0; i < samples.length; i += window * 4) {
    const chunk = samples.slice(i, i + window * 4);
    const raws = await mapBounded(chunk, window, async (s) => {
      try {
        return await decodeResized(await readRef(store, s.ref), spec, variant.side);
      } catch (err) {
        opts.onSkip?.(s, err);
        return undefined;
      }
    });
    for (const [k, raw] of raws.entries()) if (raw) await writer.add(chunk[k]!.digest, raw);
  }
  await writer.flush();
  const index: CacheIndex = {
    format: CACHE_FORMAT,
    datasetHash: dataset.hash,
    variant,
    shards: writer.shards,
    entries: writer.entries,
  };
  // Losing the race is fine: our shards exist under content-addressed keys, so our index is as valid as the
  // winner's (and equal to it when decoding is deterministic); readers open whichever index.json won.
  await putIfAbsent(store, `${dir}index.json`, JSON.stringify(index), "application/json");
  return index;
}
