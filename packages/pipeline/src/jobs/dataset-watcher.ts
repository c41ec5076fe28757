/**
 * The local mode's stand-in for S3 → SQS notifications: polls `datasets/` in the local bucket and enqueues a
 * `dataset.uploaded` message for each new archive or `residual.json` marker, through the same queue and worker
 * code path an S3 event takes. A file is announced once its size and mtime stop changing (a `cp` into the folder
 * is not atomic) and only if no job exists for it yet, so restarts announce nothing twice.
 */
import type { JobQueue } from "../queue/job-queue.js";
import type { ObjectInfo, ObjectStore } from "../store/object-store.js";
import { classifyKey, DATASET_PREFIX } from "./dataset-event.js";
import { jobIdFor } from "./job-id.js";
import { statusKey } from "./keys.js";

export interface WatcherOptions {
  store: ObjectStore;
  queue: JobQueue;
  /** Bucket name written into events. @default "local" */
  bucket?: string;
  intervalMs?: number;
  log?: (line: string) => void;
}

const fingerprint = (o: ObjectInfo): string => `${o.size}:${o.lastModified.getTime()}:${o.etag}`;

/**
 * One scan: announce what became stable since the last scan. Returns the announced keys.
 * @example
 * const announced = await scanDatasets({ store, queue }, new Map(), new Set());
 */
export async function scanDatasets(
  o: WatcherOptions,
  seen: Map<string, string>,
  announced: Set<string>,
): Promise<string[]> {
  const out: string[] = [];
  for await (const obj of o.store.list(DATASET_PREFIX)) {
    const kind = classifyKey(obj.key);
    if (kind !== "archive" && kind !== "folder") continue;
    const fp = fingerprint(obj);
    const id = `${obj.key}@${obj.etag}`;
    if (announced.has(id)) continue;
    if (seen.get(obj.key) !== fp) {
      seen.set(obj.key, fp); // changed since the last look: wait for it to settle
      continue;
    }
    announced.add(id);
    const event = { bucket: o.bucket ?? "local", key: obj.key, etag: obj.etag };
    if (await o.store.head(statusKey(jobIdFor(event)))) continue;
    await o.queue.send(JSON.stringify({ type: "dataset.uploaded", ...event }));
    // The `job <id>: ` prefix puts the job id on the line (a JSON log's `jobId`).
    o.log?.(`job ${jobIdFor(event)}: dataset ${obj.key} uploaded: job queued`);
    out.push(obj.key);
  }
  return out;
}

/**
 * Watch until `signal` aborts.
 * @example
 * void watchDatasets({ store, queue, log: console.log }, controller.signal);
 */
export async function watchDatasets(o: WatcherOptions, signal: AbortSignal): Promise<void> {
  const seen = new Map<string, string>();
  const announced = new Set<string>();
  while (!signal.aborted) {
    try {
      await scanDatasets(o, seen, announced);
    } catch (err) {
      o.log?.(`dataset watcher: ${(err as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 1000));
  }
}
