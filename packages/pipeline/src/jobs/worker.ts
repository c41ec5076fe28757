/**
 * The job worker. `residual worker --queue <url>` long-polls the queue (SQS, or the local directory queue) and runs
 * jobs itself; `residual worker --job <id>` runs one job that the AWS dispatcher claimed and handed to Batch.
 *
 * Delivery is at-least-once, so every path is idempotent: the job id comes from the upload, `status.json` is
 * claimed with a conditional write, a duplicate message for a finished or live job is acknowledged and dropped,
 * and a message redelivered after a worker died (stale heartbeat) resumes the job from its checkpoints.
 */
import { hostname } from "node:os";
import { isResidualError } from "../errors.js";
import type { JobQueue, QueueMessage } from "../queue/job-queue.js";
import type { ObjectStore } from "../store/object-store.js";
import { translateError } from "../translate-error.js";
import { parseDatasetMessage } from "./dataset-event.js";
import { onlyOwnBucket, type StoreForBucket } from "./event-bucket.js";
import { jobIdFor } from "./job-id.js";
import { JobLog } from "./job-log.js";
import type { JobRunner } from "./job-runner.js";
import { claimJob, isLeaseFresh, type JobStatus, readJobStatus, updateJobStatus } from "./job-status.js";

export interface WorkerOptions {
  store: ObjectStore;
  runner: JobRunner;
  /** Seconds a received message stays hidden; the heartbeat renews it. @default 300 */
  visibilityTimeout?: number;
  /** Seconds between heartbeats (status.json `heartbeatAt` + message visibility). @default 30 */
  heartbeatSeconds?: number;
  /** A running job whose heartbeat is older than this is presumed dead and may be taken over. @default 3 × heartbeat */
  leaseSeconds?: number;
  workerId?: string;
  /**
   * The upload the job was submitted for (the dispatcher's `RESIDUAL_DATASET_KEY`): a status.json naming another
   * is refused, so a mixed-up submission never trains on the wrong data.
   */
  datasetKey?: string;
  /**
   * The store for a queue event's bucket, undefined to refuse it (the message is left, `wrong_bucket`).
   * @default onlyOwnBucket(store): events for any other bucket are refused
   */
  storeFor?: StoreForBucket;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export type JobRunResult = "succeeded" | "failed" | "retry" | "skipped";

function settings(o: WorkerOptions) {
  const heartbeatSeconds = o.heartbeatSeconds ?? 30;
  return {
    visibilityTimeout: o.visibilityTimeout ?? 300,
    heartbeatSeconds,
    leaseMs: (o.leaseSeconds ?? heartbeatSeconds * 3) * 1000,
    workerId: o.workerId ?? `${hostname()}:${process.pid}`,
    log: o.log ?? ((line: string) => process.stderr.write(`${line}\n`)),
    signal: o.signal ?? new AbortController().signal,
  };
}

/** Whether this worker should run a job whose status it found (claimed by someone, maybe itself earlier). */
function shouldRun(status: JobStatus, leaseMs: number): boolean {
  if (status.state === "succeeded" || status.state === "failed") return false;
  return !isLeaseFresh(status, leaseMs);
}

/** Whether `st` is still the attempt `mine` started (no hand-back, no takeover since): only then may it write. */
function owns(st: JobStatus, mine: JobStatus): boolean {
  return st.state === "running" && st.worker === mine.worker && st.attempts === mine.attempts;
}

/** Record how an attempt ended that did not succeed: permanent errors fail the job, others hand it back. */
async function recordFailure(
  store: ObjectStore,
  mine: JobStatus,
  error: unknown,
  log: JobLog,
): Promise<JobRunResult> {
  const err = translateError(error);
  const message = err instanceof Error ? err.message : String(err);
  const code = isResidualError(err) ? err.code : "internal_error";
  const permanent = isResidualError(err) && err.permanent;
  // Only the attempt that still owns the job records its end: one taken over meanwhile leaves it to the new owner.
  const written = await updateJobStatus(store, mine.id, (st) => {
    if (!owns(st, mine)) return undefined;
    if (permanent) return { state: "failed", error: { code, message } };
    // Transient: hand the job back (stale heartbeat) so the redelivered message resumes it from its checkpoint.
    return { state: "queued", heartbeatAt: new Date(0).toISOString(), error: { code, message } };
  }).catch((e: unknown) => {
    if (permanent) throw e;
    return undefined;
  });
  if (!written) log.write(`attempt ${mine.attempts} ended [${code}] after losing the job; not recorded`);
  else log.write(`${permanent ? "failed" : "will retry"} [${code}] ${message}`);
  return permanent ? "failed" : "retry";
}

/** Take the job for this attempt, only if nobody (a live worker, a finished run) holds it at the moment of the write. */
function take(o: WorkerOptions, id: string, s: ReturnType<typeof settings>): Promise<JobStatus | undefined> {
  return updateJobStatus(o.store, id, (st) =>
    shouldRun(st, s.leaseMs)
      ? {
          state: "running",
          attempts: st.attempts + 1,
          worker: s.workerId,
          heartbeatAt: new Date().toISOString(),
        }
      : undefined,
  );
}

/** Heartbeats: status.json `heartbeatAt` (while this attempt owns the job), the log, and `beat` (the message). */
function startHeartbeat(
  o: WorkerOptions,
  mine: JobStatus,
  log: JobLog,
  s: ReturnType<typeof settings>,
  beat?: () => Promise<void>,
): NodeJS.Timeout {
  const timer = setInterval(() => {
    void Promise.all([
      updateJobStatus(o.store, mine.id, (st) =>
        owns(st, mine) ? { heartbeatAt: new Date().toISOString() } : undefined,
      ),
      log.flush(),
      beat?.(),
    ]).catch((err: unknown) => s.log(`job ${mine.id}: heartbeat failed: ${(err as Error).message}`));
  }, s.heartbeatSeconds * 1000);
  timer.unref();
  return timer;
}

/**
 * Run one job by id to the end, keeping its status and `jobs/<id>/log.txt` current. Never throws for the job's
 * own failure. Every status write is a compare-and-swap and checks that this attempt still owns the job, so a
 * late progress write never overwrites a hand-back and a taken-over attempt never records over its successor.
 * @param beat called at every heartbeat (the queue path extends the message's visibility there).
 * @example
 * const result = await runJob("flowers-1f3c", { store, runner: trainingJobRunner() }); // "succeeded", …
 */
export async function runJob(
  id: string,
  o: WorkerOptions,
  beat?: () => Promise<void>,
): Promise<JobRunResult> {
  const s = settings(o);
  const current = await readJobStatus(o.store, id);
  if (o.datasetKey !== undefined && current.dataset.key !== o.datasetKey) {
    s.log(
      `job ${id}: submitted for ${o.datasetKey} but its status names ${current.dataset.key}; not running it`,
    );
    return "failed";
  }
  const status = shouldRun(current, s.leaseMs) ? await take(o, id, s) : undefined;
  if (!status) {
    const now = await readJobStatus(o.store, id);
    s.log(`job ${id}: ${now.state}${now.state === "running" ? " on a live worker" : ""}; nothing to do`);
    return "skipped";
  }
  const log = await JobLog.open(o.store, id, s.log);
  log.write(`attempt ${status.attempts} on ${s.workerId}`);
  const timer = startHeartbeat(o, status, log, s, beat);
  try {
    const outcome = await o.runner({
      id,
      status,
      store: o.store,
      signal: s.signal,
      log: (line) => log.write(line),
      reportProgress: async (progress) => {
        await updateJobStatus(o.store, id, (st) =>
          owns(st, status) ? { progress, heartbeatAt: new Date().toISOString() } : undefined,
        );
      },
    });
    // A success is a fact whoever owns the job now: publishing is idempotent per job id, so the same result.
    await updateJobStatus(o.store, id, (st) =>
      st.state === "succeeded" ? undefined : { state: "succeeded", result: outcome, error: undefined },
    );
    log.write(`succeeded → models/${outcome.model}/${outcome.version}`);
    return "succeeded";
  } catch (err) {
    return await recordFailure(o.store, status, err, log);
  } finally {
    clearInterval(timer);
    await log
      .flush()
      .catch((err: unknown) => s.log(`job ${id}: could not write its log: ${(err as Error).message}`));
  }
}

/**
 * Handle one queue message. Deletes it when every job in it ended (succeeded, failed for good, duplicate or
 * ignored); leaves it for redelivery when a job must be retried, the message is malformed, or it names a bucket
 * this worker does not serve (`wrong_bucket`, see event-bucket.ts) — such messages reach the DLQ after
 * maxReceiveCount.
 * @example
 * const outcome = await handleMessage(queue, msg, { store, runner: trainingJobRunner() }); // "deleted" | "left"
 */
export async function handleMessage(
  queue: JobQueue,
  msg: QueueMessage,
  o: WorkerOptions,
): Promise<"deleted" | "left"> {
  const s = settings(o);
  let parsed: ReturnType<typeof parseDatasetMessage>;
  try {
    parsed = parseDatasetMessage(msg.body);
  } catch (err) {
    s.log(`message ${msg.id}: ${(err as Error).message} (receive #${msg.receiveCount}; left for the DLQ)`);
    return "left";
  }
  for (const ig of parsed.ignored) s.log(`message ${msg.id}: ignored ${ig.key ?? "event"} (${ig.reason})`);
  const pick = o.storeFor ?? onlyOwnBucket(o.store);
  const stores = parsed.events.map((e) => pick(e.bucket));
  const foreign = parsed.events.filter((_, i) => stores[i] === undefined);
  if (foreign.length > 0) {
    // Nothing of it is looked up or recorded here: the right worker (or the DLQ) gets the whole message.
    const buckets = [...new Set(foreign.map((e) => e.bucket))].join(", ");
    s.log(
      `message ${msg.id}: wrong_bucket: it is for bucket ${buckets}, this worker serves ${o.store.url}; ` +
        `left for a worker of that bucket (receive #${msg.receiveCount}; the DLQ after maxReceiveCount)`,
    );
    return "left";
  }
  let retry = false;
  for (const [i, event] of parsed.events.entries()) {
    const store = stores[i] ?? o.store;
    const id = jobIdFor(event);
    const { claimed } = await claimJob(store, id, event);
    if (claimed) s.log(`job ${id}: claimed for ${event.bucket}/${event.key}`);
    const result = await runJob(id, { ...o, store }, () => queue.extendVisibility(msg, s.visibilityTimeout));
    if (result === "retry") retry = true;
  }
  if (retry) return "left";
  await queue.delete(msg);
  return "deleted";
}

/**
 * Long-poll `queue` and run jobs until `signal` aborts (or, with `maxMessages`, after that many messages).
 * @example
 * await runQueueWorker(await openQueue(url), { store, runner: trainingJobRunner() });
 */
export async function runQueueWorker(
  queue: JobQueue,
  o: WorkerOptions & { maxMessages?: number; waitSeconds?: number },
) {
  const s = settings(o);
  let handled = 0;
  while (!s.signal.aborted && (o.maxMessages === undefined || handled < o.maxMessages)) {
    const messages = await queue.receive({
      waitSeconds: o.waitSeconds ?? 20,
      max: 1,
      visibilityTimeout: s.visibilityTimeout,
    });
    for (const msg of messages) {
      await handleMessage(queue, msg, o);
      handled++;
    }
  }
  return handled;
}
