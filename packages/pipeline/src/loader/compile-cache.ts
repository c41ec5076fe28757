/**
 * Writes a dataset's compiled cache: every distinct image (by content digest) decoded once to uint8 at the
 * variant's size and packed into large shards, then `index.json`. Two jobs may compile the same dataset at once:
 * shards are content-addressed and put-if-absent, and `index.json` is put-if-absent last, so the loser of the
 * race keeps a valid index of its own (its shards exist too) while readers open the winner's. Decodes run in a
 * sliding window and a full shard uploads while the next one fills, so the cores stay busy; memory stays bounded
 * by two shards (one filling, one uploading) plus a window of decoded images.
 */
import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
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
  /** Shard size limit in bytes (default 64 MiB); only an image larger than this gets a larger shard (its own). */
  shardBytes?: number;
  /** Reads/decodes in flight (default 2 × cores, at least 4). */
  concurrency?: number;
  /** Called for images that could not be decoded (they stay uncached; the loader reads their files). */
  onSkip?: (sample: Sample, err: unknown) => void;
}

const DEFAULT_SHARD_BYTES = 64 * 1024 * 1024;
/** Decoded images that may wait for a slower predecessor, per decode slot (~260 KB each at 341×256×3). */
const AHEAD_PER_SLOT = 4;

/**
 * Packs decoded images into shards and uploads each as it fills, in the background: the next shard fills while
 * the previous one is put. At most one upload is in flight, so at most two shard buffers are alive. Each image
 * is copied into a preallocated shard buffer and hashed as it arrives, so closing a shard costs the event loop
 * no 64 MiB concat or hash (either would stall the loop that keeps the decodes fed).
 */
class ShardWriter {
  readonly shards: CacheShard[] = [];
  readonly entries: Record<string, CacheEntry> = {};
  private buf: Buffer | undefined;
  private size = 0;
  private hash = createHash("sha256");
  private sealed = 0;
  private uploading: Promise<void> | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly dir: string,
    private readonly limit: number,
  ) {}

  /** Appends one image; waits only when a shard closes while the previous one is still uploading. */
  async add(digest: string, raw: RawImage): Promise<void> {
    const len = raw.data.length;
    // A shard never grows past the limit, except to hold one image larger than the limit on its own.
    if (this.size > 0 && this.size + len > this.limit) await this.seal();
    this.buf ??= Buffer.allocUnsafe(Math.max(this.limit, len));
    raw.data.copy(this.buf, this.size);
    this.hash.update(raw.data);
    this.entries[digest] = { shard: this.sealed, offset: this.size, width: raw.width, height: raw.height };
    this.size += len;
    if (this.size >= this.limit) await this.seal();
  }

  /** Uploads the open shard (if any) and waits for every upload. */
  async close(): Promise<void> {
    if (this.size > 0) await this.seal();
    await this.uploading;
  }

  private async seal(): Promise<void> {
    await this.uploading; // one upload at a time; a failed one fails the compile here
    const body = (this.buf ?? Buffer.alloc(0)).subarray(0, this.size);
    const upload = this.upload(this.sealed++, body, this.hash.digest("hex"));
    // Marked handled now: it may reject before anyone awaits it, which must not be an unhandled rejection.
    upload.catch(() => undefined);
    this.uploading = upload;
    this.buf = undefined;
    this.size = 0;
    this.hash = createHash("sha256");
  }

  private async upload(n: number, body: Buffer, sha256: string): Promise<void> {
    const key = shardKey(this.dir, n, sha256);
    await putIfAbsent(this.store, key, body, "application/octet-stream");
    this.shards[n] = { key, bytes: body.length, sha256 };
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

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Runs `fn` over `items` with `limit` calls in flight all the time (a slot is refilled as soon as any call ends,
 * not when a whole chunk has) and hands the results to `sink` strictly in item order, so what `sink` sees does
 * not depend on completion order. Results waiting for a slower predecessor (or for a busy `sink`) are bounded by
 * `ahead`: only then do new calls wait. `fn` must not reject; a rejecting `sink` stops new calls and rejects
 * once the calls in flight have ended.
 */
async function forEachOrdered<T, R>(
  items: readonly T[],
  limit: number,
  ahead: number,
  fn: (item: T) => Promise<R>,
  sink: (value: R, item: T) => Promise<void>,
): Promise<void> {
  const done = new Map<number, Deferred<R>>();
  const slot = (i: number): Deferred<R> => {
    const d = done.get(i) ?? deferred<R>();
    done.set(i, d);
    return d;
  };
  let next = 0;
  let head = 0;
  let stop = false;
  let moved = deferred<void>();
  const worker = async (): Promise<void> => {
    while (!stop && next < items.length) {
      if (next - head >= ahead) {
        await moved.promise;
        continue;
      }
      const i = next++;
      slot(i).resolve(await fn(items[i]!));
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  try {
    while (head < items.length) {
      const value = await slot(head).promise;
      done.delete(head);
      await sink(value, items[head]!);
      head++;
      moved.resolve();
      moved = deferred<void>();
    }
  } finally {
    stop = true;
    moved.resolve();
    await Promise.all(workers);
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
  const window = Math.max(1, opts.concurrency ?? Math.max(4, 2 * availableParallelism()));
  type Decoded = { raw: RawImage } | { err: unknown };
  const decode = async (s: Sample): Promise<Decoded> => {
    try {
      // Validation recorded the oriented size: no second header parse (decodeResized re-reads it if wrong).
      const header = s.width > 0 && s.height > 0 ? { width: s.width, height: s.height } : undefined;
      return { raw: await decodeResized(await readRef(store, s.ref), spec, variant.side, header) };
    } catch (err) {
      return { err };
    }
  };
  // Appended in dataset order whatever the completion order, so shard bytes and the index are deterministic.
  await forEachOrdered(samples, window, window * AHEAD_PER_SLOT, decode, async (d, s) => {
    if ("raw" in d) await writer.add(s.digest, d.raw);
    else opts.onSkip?.(s, d.err);
  });
  await writer.close();
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
