/**
 * The cache reader's shard store: one verified GET per shard (sha256 and length from `index.json`), shards kept
 * in a byte-bounded LRU, concurrent requests for one shard sharing a single GET. A shard that is missing,
 * unreadable or corrupt is reported once and then treated as absent, so its samples come from their files.
 */
import { webcrypto } from "node:crypto";
import { NotFoundError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import type { CacheIndex } from "./cache-index.js";

/**
 * Why the cache could not serve something (the loader falls back to the files).
 * @example
 * ensureDatasetCache(store, dataset, spec, { onWarning: (w: CacheWarning) => log(w.message) });
 */
export interface CacheWarning {
  code: "cache_index_invalid" | "cache_shard_missing" | "cache_shard_corrupt" | "cache_shard_unreadable";
  message: string;
  key: string;
}

/** Counters for tests and progress lines. */
export interface CacheStats {
  shardGets: number;
  hits: number;
  misses: number;
}

/**
 * A byte-bounded LRU of verified shards.
 *
 * @example
 * const shards = new ShardLru(store, index, 1024 ** 3, console.warn);
 * const body = await shards.get(0); // undefined when the shard is unusable
 */
export class ShardLru {
  readonly stats: CacheStats = { shardGets: 0, hits: 0, misses: 0 };
  private readonly loaded = new Map<number, Buffer>(); // insertion order = LRU order
  private readonly loading = new Map<number, Promise<Buffer | undefined>>();
  private readonly bad = new Set<number>();
  private bytes = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly index: CacheIndex,
    private readonly maxBytes: number,
    private readonly warn: (w: CacheWarning) => void,
  ) {}

  /** Shard `n`'s bytes, or undefined when it is unusable. */
  async get(n: number): Promise<Buffer | undefined> {
    if (this.bad.has(n)) return undefined;
    const hit = this.loaded.get(n);
    if (hit) {
      this.loaded.delete(n); // refresh its LRU position
      this.loaded.set(n, hit);
      return hit;
    }
    let p = this.loading.get(n);
    if (!p) {
      p = this.fetch(n).then((b) => {
        this.loading.delete(n);
        if (b) this.keep(n, b);
        return b;
      });
      this.loading.set(n, p);
    }
    return p;
  }

  private async fetch(n: number): Promise<Buffer | undefined> {
    const shard = this.index.shards[n]!;
    this.stats.shardGets++;
    try {
      const body = await this.store.get(shard.key);
      // WebCrypto digests run on the libuv pool: a multi-MB shard's hash no longer stalls the loop that feeds
      // sharp and the jitter workers.
      const sha = Buffer.from(await webcrypto.subtle.digest("SHA-256", body)).toString("hex");
      if (body.length === shard.bytes && sha === shard.sha256) return body;
      this.warn({
        code: "cache_shard_corrupt",
        key: shard.key,
        message: `shard ${shard.key} fails its checksum`,
      });
    } catch (err) {
      const code = err instanceof NotFoundError ? "cache_shard_missing" : "cache_shard_unreadable";
      this.warn({ code, key: shard.key, message: `shard ${shard.key}: ${(err as Error).message}` });
    }
    this.bad.add(n);
    return undefined;
  }

  private keep(n: number, body: Buffer): void {
    this.loaded.set(n, body);
    this.bytes += body.length;
    for (const [k, b] of this.loaded) {
      if (this.bytes <= this.maxBytes || k === n) break;
      this.loaded.delete(k);
      this.bytes -= b.length;
    }
  }
}
