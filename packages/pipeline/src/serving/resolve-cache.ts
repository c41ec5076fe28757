/**
 * Memoised model resolution for the serving hot path. Resolving `name` reads `models/<name>/latest` and checks the
 * version's artefacts: four store round trips per request (tens of ms on S3). A pinned `name@version` never changes,
 * so it is kept; a `latest` lookup is kept for `ttlMs`, so a newly published version is served within that time.
 * Failures are not kept: a model published just after a 404 is found by the next request.
 */
import type { ResolvedModel } from "../registry/read-model.js";

interface Entry {
  value: Promise<ResolvedModel>;
  /** `performance.now()` after which the entry is stale; Infinity for pinned versions. */
  until: number;
}

/** Bound on remembered refs (each is a few strings); the oldest go first. */
const MAX_ENTRIES = 1024;

/**
 * @example
 * const cache = new ResolveCache(5000);
 * const model = await cache.get("flowers", () => resolveModel(store, "flowers"));
 */
export class ResolveCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttlMs: number) {}

  /** The cached resolution of `ref` (`pinned`: it names an exact version), else `resolve()`'s. */
  get(ref: string, pinned: boolean, resolve: () => Promise<ResolvedModel>): Promise<ResolvedModel> {
    const now = performance.now();
    const hit = this.entries.get(ref);
    if (hit && hit.until > now) return hit.value;
    const value = resolve();
    this.entries.delete(ref);
    this.entries.set(ref, { value, until: pinned ? Number.POSITIVE_INFINITY : now + this.ttlMs });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    value.catch(() => {
      if (this.entries.get(ref)?.value === value) this.entries.delete(ref);
    });
    return value;
  }
}
