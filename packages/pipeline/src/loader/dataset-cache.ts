/**
 * Reading the compiled cache: one GET per shard (verified against the sha256 in `index.json`), shards kept in a
 * byte-bounded LRU, images handed out as zero-copy views of their shard. Anything wrong with the cache (missing
 * or corrupt shard, unreadable index) is a warning, never an error: the affected samples are read from their
 * original files, so a damaged cache costs speed, not the job.
 */
import { createHash } from "node:crypto";
import type { Dataset, Sample } from "../dataset/types.js";
import { NotFoundError } from "../errors.js";
import type { RawImage } from "../preprocess/decode.js";
import type { PreprocessSpec } from "../preprocess/spec.js";
import type { ObjectStore } from "../store/object-store.js";
import { type CacheIndex, CacheIndexSchema, cacheDir, cacheVariant } from "./cache-index.js";
import { type CompileCacheOptions, compileDatasetCache } from "./compile-cache.js";

/** Why the cache could not serve something (the loader falls back to the files). */
export interface CacheWarning {
  code: "cache_index_invalid" | "cache_shard_missing" | "cache_shard_corrupt" | "cache_shard_unreadable";
  message: string;
  key: string;
}

/** Options of {@link openDatasetCache}. */
export interface OpenCacheOptions {
  /** Maximum shorter side of the cached images (default `spec.resize`); selects the variant. */
  side?: number;
  /** Shard bytes kept in memory (default 1 GiB); least recently used shards are dropped first. */
  maxBytes?: number;
  /** Where warnings go (default `console.warn`). */
  onWarning?: (w: CacheWarning) => void;
}

/** Counters for tests and progress lines. */
export interface CacheStats {
  shardGets: number;
  hits: number;
  misses: number;
}

/** An opened cache. `read` resolves undefined when the sample must come from its file. */
export interface DatasetCache {
  readonly dir: string;
  readonly index: CacheIndex;
  read(sample: Sample): Promise<RawImage | undefined>;
  stats(): CacheStats;
}

function warnDefault(w: CacheWarning): void {
  console.warn(`[residual] dataset cache: ${w.message} (reading original files instead)`);
}

function shardReader(store: ObjectStore, index: CacheIndex, o: OpenCacheOptions) {
  const warn = o.onWarning ?? warnDefault;
  const budget = o.maxBytes ?? 1024 ** 3;
  const loaded = new Map<number, Buffer>(); // insertion order = LRU order
  const loading = new Map<number, Promise<Buffer | undefined>>();
  const bad = new Set<number>();
  const stats: CacheStats = { shardGets: 0, hits: 0, misses: 0 };
  let bytes = 0;

  const fetchShard = async (n: number): Promise<Buffer | undefined> => {
    const shard = index.shards[n]!;
    stats.shardGets++;
    try {
      const body = await store.get(shard.key);
      const sha = createHash("sha256").update(body).digest("hex");
      if (body.length === shard.bytes && sha === shard.sha256) return body;
      warn({ code: "cache_shard_corrupt", key: shard.key, message: `shard ${shard.key} fails its checksum` });
    } catch (err) {
      const missing = err instanceof NotFoundError;
      const code = missing ? "cache_shard_missing" : "cache_shard_unreadable";
      warn({ code, key: shard.key, message: `shard ${shard.key}: ${(err as Error).message}` });
    }
    bad.add(n);
    return undefined;
  };

  const keep = (n: number, body: Buffer): void => {
    loaded.set(n, body);
    bytes += body.length;
    for (const [k, b] of loaded) {
      if (bytes <= budget || k === n) break;
      loaded.delete(k);
      bytes -= b.length;
    }
  };

  const get = async (n: number): Promise<Buffer | undefined> => {
    if (bad.has(n)) return undefined;
    const hit = loaded.get(n);
    if (hit) {
      loaded.delete(n); // refresh its LRU position
      loaded.set(n, hit);
      return hit;
    }
    let p = loading.get(n);
    if (!p) {
      p = fetchShard(n).then((b) => {
        loading.delete(n);
        if (b) keep(n, b);
        return b;
      });
      loading.set(n, p);
    }
    return p;
  };
  return { get, stats };
}

function fromIndex(store: ObjectStore, dir: string, index: CacheIndex, o: OpenCacheOptions): DatasetCache {
  const shards = shardReader(store, index, o);
  const channels = index.variant.channels;
  return {
    dir,
    index,
    stats: () => ({ ...shards.stats }),
    async read(sample) {
      const e = index.entries[sample.digest];
      const body = e ? await shards.get(e.shard) : undefined;
      const len = e ? e.width * e.height * channels : 0;
      if (!e || !body || e.offset + len > body.length) {
        shards.stats.misses++;
        return undefined;
      }
      shards.stats.hits++;
      return { data: body.subarray(e.offset, e.offset + len), width: e.width, height: e.height, channels };
    },
  };
}

/**
 * Opens the dataset's cache for `spec`, or resolves undefined when none has been compiled (or its index is
 * unusable, with a warning).
 *
 * @example
 * const cache = await openDatasetCache(store, dataset, spec);
 * for await (const b of iterateBatches({ store, samples: dataset.val, spec, batchSize: 64, mode: "eval", cache })) {}
 */
export async function openDatasetCache(
  store: ObjectStore,
  dataset: Dataset,
  spec: PreprocessSpec,
  o: OpenCacheOptions = {},
): Promise<DatasetCache | undefined> {
  const dir = cacheDir(dataset.hash, cacheVariant(spec, o.side));
  let text: string;
  try {
    text = (await store.get(`${dir}index.json`)).toString("utf8");
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  const parsed = (() => {
    try {
      return CacheIndexSchema.safeParse(JSON.parse(text));
    } catch {
      return undefined;
    }
  })();
  if (!parsed?.success || parsed.data.datasetHash !== dataset.hash) {
    const key = `${dir}index.json`;
    (o.onWarning ?? warnDefault)({
      code: "cache_index_invalid",
      key,
      message: `${key} is not a valid cache index`,
    });
    return undefined;
  }
  return fromIndex(store, dir, parsed.data, o);
}

/**
 * Opens the cache, compiling it first when there is none: the first job on a dataset pays one decode pass,
 * later epochs and later jobs read a few large objects.
 *
 * @example
 * const cache = await ensureDatasetCache(store, dataset, spec);
 */
export async function ensureDatasetCache(
  store: ObjectStore,
  dataset: Dataset,
  spec: PreprocessSpec,
  o: OpenCacheOptions & CompileCacheOptions = {},
): Promise<DatasetCache> {
  const opened = await openDatasetCache(store, dataset, spec, o);
  if (opened) return opened;
  const index = await compileDatasetCache(store, dataset, spec, o);
  return fromIndex(store, cacheDir(dataset.hash, index.variant), index, o);
}
