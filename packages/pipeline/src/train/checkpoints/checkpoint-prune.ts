/**
 * Checkpoint retention: keep the latest few checkpoints (a resume needs one; the one before guards against a
 * checkpoint that turns out unreadable) plus any the loop still needs (the early-stopping best), delete the rest.
 */
import type { ObjectStore } from "../../store/object-store.js";

const CHECKPOINT_KEY = /^(ckpt-\d{5}-\d{7})\.(json|bin)$/;

export interface PruneOptions {
  /** How many of the newest checkpoints to keep. @default 2 */
  keep?: number;
  /** Base names (`ckpt-00003-0000000`) never deleted, whatever their age. */
  protect?: readonly string[];
}

/**
 * Delete every checkpoint under `prefix` except the newest `keep` and the protected ones; returns the deleted
 * keys. Each checkpoint's manifest goes before its data, so no surviving manifest points at a missing `.bin`.
 * Objects that are not checkpoints (`latest.json`, logs) are never touched.
 *
 * @example
 * await pruneCheckpoints(store, "jobs/abc/checkpoints/", { keep: 2, protect: ["ckpt-00004-0000000"] });
 */
export async function pruneCheckpoints(
  store: ObjectStore,
  prefix: string,
  options: PruneOptions = {},
): Promise<string[]> {
  const keep = options.keep ?? 2;
  const found = new Map<string, string[]>();
  for await (const o of store.list(prefix)) {
    const m = CHECKPOINT_KEY.exec(o.key.slice(prefix.length));
    if (!m) continue;
    const keys = found.get(m[1]!) ?? [];
    keys.push(o.key);
    found.set(m[1]!, keys);
  }
  const names = [...found.keys()].sort();
  const protect = new Set(options.protect ?? []);
  const doomed = names.slice(0, Math.max(0, names.length - keep)).filter((n) => !protect.has(n));
  const deleted: string[] = [];
  for (const name of doomed) {
    const keys = found.get(name)!.sort((a, b) => Number(b.endsWith(".json")) - Number(a.endsWith(".json")));
    for (const key of keys) {
      await store.delete(key);
      deleted.push(key);
    }
  }
  return deleted;
}
