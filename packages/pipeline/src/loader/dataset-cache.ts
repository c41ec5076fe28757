/**
 * Reading the compiled cache: one GET per shard (verified against the sha256 in `index.json`), shards kept in a
 * byte-bounded LRU, images handed out as zero-copy views of their shard. Anything wrong with the cache (missing
 * or corrupt shard, unreadable index) is a warning, never an error: the affected samples are read from their
 * original files, so a damaged cache costs speed, not the job.
 */
import type { Dataset, Sample } from "../dataset/types.js";
import { NotFoundError } from "../errors.js";
import type { RawImage } from "../preprocess/decode.js";
import type { PreprocessSpec } from "../preprocess/spec.js";
import type { ObjectStore } from "../store/object-store.js";
import { type CacheIndex, CacheIndexSchema, cacheDir, cacheVariant } from "./cache-index.js";
import { type CompileCacheOptions, compileDatasetCache } from "./compile-cache.js";
import { type CacheStats, type CacheWarning, ShardLru } from "./shard-lru.js";

export type { CacheStats, CacheWarning } from "./shard-lru.js";

/** Options of {@link openDatasetCache}. */
export interface OpenCacheOptions {
  /** Maximum shorter side of the cached images (default `spec.resize`); selects the variant. */
  side?: number;
  /** Shard bytes kept in memory (default 1 GiB); least recently used shards are dropped first. */
  maxBytes?: number;
  /** Where warnings go (default `console.warn`). */
  onWarning?: (w: CacheWarning) => void;
}

/**
 * An opened cache. `read` resolves undefined when the sample must come from its file.
 * @example
 * const raw = await (await ensureDatasetCache(store, dataset, spec)).read(dataset.train[0]!); // RawImage | undefined
 */
export interface DatasetCache {
  readonly dir: string;
  readonly index: CacheIndex;
  read(sample: Sample): Promise<RawImage | undefined>;
  stats(): CacheStats;
}

function warnDefault(w: CacheWarning): void {
  console.warn(`[residual] dataset cache: ${w.message} (reading original files instead)`);
}

function fromIndex(store: ObjectStore, dir: string, index: CacheIndex, o: OpenCacheOptions): DatasetCache {
  const shards = new ShardLru(store, index, o.maxBytes ?? 1024 ** 3, o.onWarning ?? warnDefault);
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
