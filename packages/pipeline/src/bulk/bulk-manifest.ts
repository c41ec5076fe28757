/**
 * The run's manifest (`_SUCCESS`): every part with its counts, the totals (input, done, failed) and each failed
 * key with its reason, aggregated from the part summaries under `_parts/`. The final state of the AWS state
 * machine writes it (the Distributed Map's ResultWriter keeps its own execution results beside), the local
 * runner writes it after its last batch.
 */
import type { ObjectStore } from "../store/object-store.js";
import { MANIFEST_KEY, SUMMARY_PREFIX } from "./bulk-keys.js";
import type { BulkSpec } from "./bulk-spec.js";
import { type BulkFailure, PartSummarySchema } from "./part-summary.js";

/**
 * The manifest as written.
 * @example
 * const m: BulkManifest = JSON.parse((await out.get("_SUCCESS")).toString());
 * m.counts; // { input: 1000, done: 998, failed: 2 }
 */
export interface BulkManifest {
  mode: BulkSpec["mode"];
  model: string;
  version: string;
  source: string;
  prefix: string;
  out: string;
  parts: Array<{ key: string; input: number; done: number; failed: number }>;
  counts: { input: number; done: number; failed: number };
  failures: BulkFailure[];
  finishedAt: string;
}

/** Summaries read at once while aggregating. */
const READ_CONCURRENCY = 16;

/**
 * Aggregate the part summaries under `out` and write `_SUCCESS`.
 * @example
 * const manifest = await writeBulkManifest(openObjectStore(spec.out), spec);
 */
export async function writeBulkManifest(out: ObjectStore, spec: BulkSpec): Promise<BulkManifest> {
  const keys: string[] = [];
  for await (const o of out.list(SUMMARY_PREFIX)) if (o.key.endsWith(".json")) keys.push(o.key);
  const summaries = [];
  for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
    const texts = await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map((k) => out.get(k)));
    summaries.push(...texts.map((t) => PartSummarySchema.parse(JSON.parse(t.toString("utf8")))));
  }
  summaries.sort((a, b) => a.part.localeCompare(b.part));
  const parts = summaries.map((s) => ({
    key: s.part,
    input: s.input,
    done: s.done,
    failed: s.failed.length,
  }));
  const sum = (f: (p: (typeof parts)[number]) => number) => parts.reduce((a, p) => a + f(p), 0);
  const manifest: BulkManifest = {
    mode: spec.mode,
    model: summaries[0]?.model ?? spec.model ?? "",
    version: summaries[0]?.version ?? "",
    source: spec.source,
    prefix: spec.prefix,
    out: spec.out,
    parts,
    counts: { input: sum((p) => p.input), done: sum((p) => p.done), failed: sum((p) => p.failed) },
    failures: summaries.flatMap((s) => s.failed),
    finishedAt: new Date().toISOString(),
  };
  await out.put(MANIFEST_KEY, JSON.stringify(manifest, null, 2), { contentType: "application/json" });
  return manifest;
}
