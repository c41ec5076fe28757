/**
 * A bulk run in this process (`residual bulk` without a state machine, and the tests): list the source prefix (or
 * read a CSV / S3 Inventory manifest), batch the keys as the Distributed Map's ItemBatcher does, run the batch function with bounded concurrency, then
 * write the manifest. Same function, same output layout as on AWS.
 */
import type { ServingCore } from "../serving/serving-core.js";
import type { ObjectStore } from "../store/object-store.js";
import { type BulkManifest, writeBulkManifest } from "./bulk-manifest.js";
import type { BulkSpec } from "./bulk-spec.js";
import { readManifestItems } from "./manifest-items.js";
import { type BulkItem, runBulkBatch } from "./run-bulk-batch.js";

/**
 * How a local run goes: stores, batch size, concurrency, and progress.
 * @example
 * const options: LocalBulkOptions = { core, source, out, itemsPerBatch: 64, concurrency: 2 };
 */
export interface LocalBulkOptions {
  core: ServingCore;
  /** Where the keys are listed and read (their keys are the output's `key`). */
  source: ObjectStore;
  out: ObjectStore;
  /**
   * A manifest key of `source` to read the items from instead of listing `spec.prefix`: a CSV with a `Key` header,
   * or an S3 Inventory `manifest.json` (its URL-encoded keys decoded). See `readManifestItems`.
   */
  manifestKey?: string;
  /** @default 64 */
  itemsPerBatch?: number;
  /** Batches in flight at once. @default 2 */
  concurrency?: number;
  /** Called after each batch: images finished (done or failed) of the total listed, and batches skipped. */
  onProgress?: (p: { images: number; total: number; skipped: number }) => void;
}

/** Keys of `source` under `prefix`, without folder markers and without the run's own output. */
async function listItems(source: ObjectStore, out: ObjectStore, prefix: string): Promise<BulkItem[]> {
  const base = `${source.url.replace(/\/+$/, "")}/`;
  const own = out.url.startsWith(base) ? `${out.url.slice(base.length).replace(/\/+$/, "")}/` : undefined;
  const items: BulkItem[] = [];
  for await (const o of source.list(prefix)) {
    if (o.key.endsWith("/") || (own && o.key.startsWith(own))) continue;
    items.push({ Key: o.key, Size: o.size });
  }
  return items;
}

/**
 * Run `spec` over every object under `spec.prefix` of `source`.
 * @example
 * const manifest = await runBulkLocal(parseBulkSpec({ mode: "embed", model: "pets", source: dir, out }), options);
 * manifest.counts.failed; // keys that could not be read or decoded
 */
export async function runBulkLocal(spec: BulkSpec, o: LocalBulkOptions): Promise<BulkManifest> {
  const items = o.manifestKey
    ? (await readManifestItems(o.source, o.manifestKey)).filter((i) => !i.Key.endsWith("/"))
    : await listItems(o.source, o.out, spec.prefix);
  const per = o.itemsPerBatch ?? 64;
  const batches: BulkItem[][] = [];
  for (let i = 0; i < items.length; i += per) batches.push(items.slice(i, i + per));
  let next = 0;
  let images = 0;
  let skipped = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const summary = await runBulkBatch(batch, { core: o.core, source: o.source, out: o.out, spec });
      images += batch.length;
      if (summary.skipped) skipped += 1;
      o.onProgress?.({ images, total: items.length, skipped });
    }
  };
  const n = Math.max(1, Math.min(o.concurrency ?? 2, batches.length));
  await Promise.all(Array.from({ length: n }, worker));
  return writeBulkManifest(o.out, spec);
}
