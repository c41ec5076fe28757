/**
 * The batch function of a bulk run, the same in the batch Lambda and the local runner: read each item, run the
 * serving core's tolerant embed/classify (the API's decode and preprocessing), write one part (JSON Lines or
 * Parquet), then the part's summary. An unreadable image is a failure of its key, never of the batch; a part
 * whose summary exists is skipped (re-runs are idempotent). Keys of an S3 Inventory (`keyEncoding: "url"`) are
 * decoded first.
 */
import { InvalidInputError, isResidualError } from "../errors.js";
import type { ServingCore } from "../serving/serving-core.js";
import type { ObjectStore } from "../store/object-store.js";
import { partId, partKey, summaryKey } from "./bulk-keys.js";
import type { BulkSpec } from "./bulk-spec.js";
import { decodeInventoryKey } from "./manifest-items.js";
import { type ClassifyRow, classifyParquet, type EmbedRow, embedParquet } from "./parquet-part.js";
import { type BulkFailure, type PartSummary, PartSummarySchema } from "./part-summary.js";

/** Images per engine run inside a batch (a batch may hold hundreds). */
const RUN_SIZE = 16;
/** Larger objects are not read (reported `image_too_large`). */
export const MAX_BULK_IMAGE_BYTES = 64 * 1024 * 1024;

/**
 * What a batch runs with: the serving core (models), the store the keys are read from, the output store.
 * @example
 * const options: BulkBatchOptions = { core, source: openObjectStore(spec.source), out: openObjectStore(spec.out), spec };
 */
export interface BulkBatchOptions {
  core: ServingCore;
  source: ObjectStore;
  out: ObjectStore;
  spec: BulkSpec;
}

/**
 * An item of a batch: its key and, when the listing said, its size.
 * @example
 * const item: BulkItem = { Key: "images/a.jpg", Size: 48213 };
 */
export interface BulkItem {
  Key: string;
  Size?: number | undefined;
}

type Read = { key: string; bytes: Buffer } | BulkFailure;

async function readItem(source: ObjectStore, item: BulkItem): Promise<Read> {
  const tooLarge = (size: number): BulkFailure => ({
    key: item.Key,
    code: "image_too_large",
    reason: `object is ${size} bytes; limit ${MAX_BULK_IMAGE_BYTES}`,
  });
  if (item.Size !== undefined && item.Size > MAX_BULK_IMAGE_BYTES) return tooLarge(item.Size);
  try {
    const bytes = await source.get(item.Key);
    return bytes.length > MAX_BULK_IMAGE_BYTES ? tooLarge(bytes.length) : { key: item.Key, bytes };
  } catch (err) {
    // Missing or refused objects are this key's failure; transient trouble fails the batch (it is retried).
    if (isResidualError(err) && err.permanent) return { key: item.Key, code: err.code, reason: err.message };
    throw err;
  }
}

type Row = EmbedRow | ClassifyRow;

interface Chunk {
  rows: Row[];
  failed: BulkFailure[];
  model: string;
  version: string;
}

async function runChunk(items: readonly BulkItem[], o: BulkBatchOptions): Promise<Chunk> {
  const reads = await Promise.all(items.map((it) => readItem(o.source, it)));
  const ok = reads.filter((r): r is { key: string; bytes: Buffer } => "bytes" in r);
  const failed = reads.filter((r): r is BulkFailure => "code" in r);
  const req = {
    ...(o.spec.model ? { model: o.spec.model } : {}),
    images: ok.map((r) => ({ bytes: r.bytes })),
    normalize: o.spec.normalize,
    topK: o.spec.topK,
  };
  const imageFailures = (f: { index: number; code: string; message: string }[]) =>
    f.map((x) => ({ key: ok[x.index]!.key, code: x.code, reason: x.message }));
  if (o.spec.mode === "embed") {
    const r = await o.core.embedEach(req);
    const rows = r.embeddings.map((embedding, j) => ({
      key: ok[r.indices[j]!]!.key,
      model: r.model,
      version: r.version,
      embedding,
    }));
    return { rows, failed: [...failed, ...imageFailures(r.failed)], model: r.model, version: r.version };
  }
  const r = await o.core.classifyEach(req);
  const rows = r.results.map((res, j) => ({ key: ok[r.indices[j]!]!.key, predictions: res.predictions }));
  return { rows, failed: [...failed, ...imageFailures(r.failed)], model: r.model, version: r.version };
}

const PART_TYPES = { jsonl: "application/x-ndjson", parquet: "application/vnd.apache.parquet" } as const;

/** A part's bytes in the run's format: one JSON object a line, or Parquet with the same columns. */
function partBody(rows: Row[], spec: BulkSpec): Buffer | string {
  if (spec.format === "parquet") {
    return spec.mode === "embed" ? embedParquet(rows as EmbedRow[]) : classifyParquet(rows as ClassifyRow[]);
  }
  return rows.map((r) => `${JSON.stringify(r)}\n`).join("");
}

/** The items' keys as stored: an S3 Inventory's URL-encoded keys decoded, an undecodable one a failure of its own. */
function decodeKeys(items: readonly BulkItem[], spec: BulkSpec, failed: BulkFailure[]): BulkItem[] {
  if (spec.keyEncoding !== "url") return [...items];
  const out: BulkItem[] = [];
  for (const item of items) {
    try {
      out.push({ ...item, Key: decodeInventoryKey(item.Key) });
    } catch (err) {
      failed.push({ key: item.Key, code: "invalid_manifest", reason: (err as Error).message });
    }
  }
  return out;
}

/**
 * Run one batch (the items in the order given) and write its part and summary under `options.out`.
 * @example
 * const summary = await runBulkBatch([{ Key: "images/a.jpg" }], { core, source, out, spec });
 * summary.done; // 1
 */
export async function runBulkBatch(items: readonly BulkItem[], o: BulkBatchOptions): Promise<PartSummary> {
  const id = partId(items.map((i) => i.Key));
  const existing = await o.out.head(summaryKey(id));
  if (existing) {
    const summary = PartSummarySchema.parse(JSON.parse((await o.out.get(summaryKey(id))).toString("utf8")));
    if (!summary.part.endsWith(`.${o.spec.format}`)) {
      throw new InvalidInputError(
        "bulk_format_mismatch",
        `${o.out.url} already holds ${summary.part} from a run in another format; write ${o.spec.format} parts to a new out location`,
      );
    }
    return { ...summary, skipped: true };
  }
  const failed: BulkFailure[] = [];
  // Folder markers (`images/2024/`, zero bytes) are listed by S3 but are no images, nor failures.
  const images = decodeKeys(items, o.spec, failed).filter((i) => !i.Key.endsWith("/"));
  const undecodable = failed.length;
  const rows: Row[] = [];
  let model = o.spec.model ?? "";
  let version = "";
  for (let i = 0; i < images.length; i += RUN_SIZE) {
    const chunk = await runChunk(images.slice(i, i + RUN_SIZE), o);
    rows.push(...chunk.rows);
    failed.push(...chunk.failed);
    [model, version] = [chunk.model, chunk.version];
  }
  const part = partKey(id, o.spec.format);
  await o.out.put(part, partBody(rows, o.spec), { contentType: PART_TYPES[o.spec.format] });
  const summary: PartSummary = {
    part,
    model,
    version,
    input: images.length + undecodable,
    done: rows.length,
    failed,
  };
  // Written last: a summary means its part is complete.
  await o.out.put(summaryKey(id), JSON.stringify(summary), { contentType: "application/json" });
  return summary;
}
