/**
 * LRU cache of loaded models bounded by a memory budget. Concurrent requests for the same model share one load;
 * evicted engines are disposed once no request is using them.
 */
export interface CacheEntryValue {
  /** Estimated resident bytes. */
  bytes(): number;
  dispose(): Promise<void>;
}

import { METRICS } from "../metrics/process-metrics.js";

interface Entry<V> {
  value: V;
  inUse: number;
  evicted: boolean;
}

/**
 * LRU cache of loaded models bounded by a memory budget; concurrent loads of one key share one load.
 * @example
 * const cache = new ModelCache<CachedBundle>(1024 ** 3);
 * const out = await cache.with("models/a/v1/", () => load(), (b) => b.engine.run(x, 1, 224));
 */
export class ModelCache<V extends CacheEntryValue> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Promise<Entry<V>>>();

  /** @param budgetBytes evict least-recently-used models while the total is above this (one model always stays). */
  constructor(private readonly budgetBytes: number) {}

  /**
   * Run `use` with the cached value for `key`, loading it with `load` on a miss.
   * @example
   * const out = await cache.with("models/a/v1/", () => loadModelBundle(...), (b) => b.engine.run(x, 1, 224));
   */
  async with<T>(key: string, load: () => Promise<V>, use: (value: V) => Promise<T>): Promise<T> {
    const entry = await this.acquire(key, load);
    entry.inUse += 1;
    try {
      return await use(entry.value);
    } finally {
      entry.inUse -= 1;
      if (entry.evicted && entry.inUse === 0) await entry.value.dispose();
    }
  }

  private async acquire(key: string, load: () => Promise<V>): Promise<Entry<V>> {
    const hit = this.entries.get(key);
    if (hit) {
      METRICS.cacheHits.inc();
      // Re-insert: Map iteration order is the LRU order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    let pending = this.loading.get(key);
    if (!pending) {
      METRICS.cacheMisses.inc();
      pending = load().then((value) => ({ value, inUse: 0, evicted: false }));
      this.loading.set(key, pending);
      pending.then(
        (e) => {
          this.loading.delete(key);
          this.entries.set(key, e);
          this.evict(key);
          METRICS.cacheBytes.set(this.totalBytes());
        },
        () => this.loading.delete(key),
      );
    }
    return pending;
  }

  private evict(keep: string): void {
    for (const [key, entry] of this.entries) {
      if (this.totalBytes() <= this.budgetBytes) break;
      if (key === keep) continue;
      this.entries.delete(key);
      entry.evicted = true;
      METRICS.cacheEvictions.inc();
      if (entry.inUse === 0) void entry.value.dispose();
    }
  }

  /** Forget `key` (a broken value); it is disposed once no request uses it. */
  drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.evicted = true;
    if (entry.inUse === 0) void entry.value.dispose();
  }

  totalBytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.value.bytes();
    return n;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Loaded values by key, least recently used first (read-only look: no LRU update). */
  entriesView(): Array<[string, V]> {
    return [...this.entries].map(([k, e]) => [k, e.value]);
  }

  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) {
      e.evicted = true;
      if (e.inUse === 0) await e.value.dispose();
    }
  }
}
