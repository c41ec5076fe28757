/**
 * `jobs/<id>/status.json`: the one document that says where a job is. Created with a conditional write (only if
 * absent) — that write is the claim — then moved `queued → running → succeeded | failed`.
 */
import { z } from "zod";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import type { DatasetEvent } from "./dataset-event.js";
import { JOB_ID_PATTERN, JOBS_PREFIX, statusKey, statusKeyId } from "./keys.js";

export const JOB_STATES = ["queued", "running", "succeeded", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];

const progressSchema = z.object({
  phase: z.string().optional(),
  epoch: z.number().int().nonnegative(),
  epochs: z.number().int().nonnegative(),
  step: z.number().int().nonnegative().optional(),
  steps: z.number().int().nonnegative().optional(),
  imagesPerSecond: z.number().optional(),
  etaSeconds: z.number().optional(),
  metrics: z.record(z.string(), z.number()).optional(),
});
export type JobProgress = z.infer<typeof progressSchema>;

export const jobStatusSchema = z.object({
  id: z.string().regex(JOB_ID_PATTERN),
  state: z.enum(JOB_STATES),
  dataset: z.object({
    bucket: z.string(),
    key: z.string(),
    etag: z.string(),
    versionId: z.string().optional(),
    kind: z.enum(["archive", "folder"]),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Last sign of life of the worker running it; a stale heartbeat lets a redelivered message take over. */
  heartbeatAt: z.string().optional(),
  attempts: z.number().int().nonnegative(),
  worker: z.string().optional(),
  batchJobId: z.string().optional(),
  progress: progressSchema.optional(),
  result: z
    .object({ model: z.string(), version: z.string(), metrics: z.record(z.string(), z.number()).optional() })
    .optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
/**
 * The parsed `jobs/<id>/status.json` (the schema is {@link jobStatusSchema}).
 * @example
 * const { state, progress, result } = await readJobStatus(store, "flowers-1f3c");
 */
export type JobStatus = z.infer<typeof jobStatusSchema>;

const now = (): string => new Date().toISOString();

/**
 * Claim the job for a dataset event: write `status.json` only if absent.
 * @returns `{ claimed: true }` with the new status, or `{ claimed: false }` with the status already there.
 * @example
 * const { claimed } = await claimJob(store, jobIdFor(event), event);
 */
export async function claimJob(
  store: ObjectStore,
  id: string,
  event: DatasetEvent,
): Promise<{ claimed: boolean; status: JobStatus }> {
  const t = now();
  const dataset: JobStatus["dataset"] = {
    bucket: event.bucket,
    key: event.key,
    etag: event.etag,
    kind: event.kind,
  };
  if (event.versionId) dataset.versionId = event.versionId;
  const status: JobStatus = { id, state: "queued", dataset, createdAt: t, updatedAt: t, attempts: 0 };
  try {
    await store.put(statusKey(id), JSON.stringify(status, null, 2), {
      contentType: "application/json",
      ifAbsent: true,
    });
    return { claimed: true, status };
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    return { claimed: false, status: await readJobStatus(store, id) };
  }
}

/**
 * `jobs/<id>/status.json` as stored, JSON-parsed but not checked against the schema (the API shows it as it is).
 * @throws InvalidInputError (`invalid_job_id`) for a malformed id, NotFoundError (`job_not_found`) when absent.
 * @example
 * const doc = await readJobDocument(store, "flowers-1f3c"); // { id, state, … }
 */
export async function readJobDocument(store: ObjectStore, id: string): Promise<unknown> {
  const key = statusKey(id);
  let bytes: Buffer;
  try {
    bytes = await store.get(key);
  } catch (err) {
    if (err instanceof NotFoundError)
      throw new NotFoundError("job_not_found", `job "${id}" does not exist`, { cause: err });
    throw err;
  }
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new InvalidInputError("corrupt_status", `${key} is not JSON`, { cause: err });
  }
}

/**
 * The job's status document, schema-checked.
 * @throws NotFoundError (`job_not_found`) when there is no such job, InvalidInputError (`corrupt_status`).
 * @example
 * const { state, progress } = await readJobStatus(store, "flowers-1f3c");
 */
export async function readJobStatus(store: ObjectStore, id: string): Promise<JobStatus> {
  const parsed = jobStatusSchema.safeParse(await readJobDocument(store, id));
  if (!parsed.success)
    throw new InvalidInputError("corrupt_status", `${statusKey(id)} is not a valid status document`);
  return parsed.data;
}

/** The status document and the ETag of the version read (HEAD first, so a write between the two only fails the CAS). */
async function readVersioned(store: ObjectStore, id: string): Promise<{ status: JobStatus; etag: string }> {
  const info = await store.head(statusKey(id));
  if (!info) throw new NotFoundError("job_not_found", `job "${id}" does not exist`);
  return { status: await readJobStatus(store, id), etag: info.etag };
}

const CAS_ATTEMPTS = 8;

/**
 * Read-modify-write of a job's status as a compare-and-swap (`ifMatch` on the ETag read): a concurrent write makes
 * it re-read and ask `change` again, so no writer overwrites a state it did not see. `change` returns undefined to
 * write nothing (e.g. a heartbeat for an attempt that no longer owns the job).
 * @returns the status written, or undefined when `change` declined.
 * @example
 * await updateJobStatus(store, "flowers-1f3c", (s) => (s.state === "running" ? { heartbeatAt: now } : undefined));
 */
export async function updateJobStatus(
  store: ObjectStore,
  id: string,
  change: (s: JobStatus) => Partial<JobStatus> | undefined,
): Promise<JobStatus | undefined> {
  for (let attempt = 1; ; attempt++) {
    const { status: current, etag } = await readVersioned(store, id);
    const delta = change(current);
    if (delta === undefined) return undefined;
    const next = jobStatusSchema.parse({ ...current, ...delta, updatedAt: now() });
    try {
      await store.put(statusKey(id), JSON.stringify(next, null, 2), {
        contentType: "application/json",
        ifMatch: etag,
      });
      return next;
    } catch (err) {
      const lost = err instanceof ConflictError && err.code === "precondition_failed";
      if (!lost || attempt >= CAS_ATTEMPTS) throw err;
    }
  }
}

/**
 * A status document `listJobs` could not read, and why.
 * @example
 * await listJobs(store, { onSkipped: (s: SkippedStatus) => console.error(`${s.key}: ${s.reason}`) });
 */
export interface SkippedStatus {
  key: string;
  reason: string;
}

async function parseListed(store: ObjectStore, key: string): Promise<JobStatus | string> {
  let doc: unknown;
  try {
    doc = JSON.parse((await store.get(key)).toString("utf8"));
  } catch (err) {
    if (err instanceof NotFoundError) return "deleted while listing";
    if (err instanceof SyntaxError) return "not JSON";
    throw err;
  }
  const parsed = jobStatusSchema.safeParse(doc);
  return parsed.success ? parsed.data : "not a valid status document";
}

/**
 * Every job, newest first. Unreadable status documents are skipped, not fatal, and reported to `onSkipped`.
 * @example
 * for (const job of await listJobs(store)) console.log(job.id, job.state);
 */
export async function listJobs(
  store: ObjectStore,
  options: { onSkipped?: (skipped: SkippedStatus) => void } = {},
): Promise<JobStatus[]> {
  const out: JobStatus[] = [];
  for await (const o of store.list(JOBS_PREFIX)) {
    if (statusKeyId(o.key) === undefined) continue;
    const parsed = await parseListed(store, o.key);
    if (typeof parsed === "string") options.onSkipped?.({ key: o.key, reason: parsed });
    else out.push(parsed);
  }
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Is a running job's worker still alive (heartbeat within `leaseMs`)? */
export function isLeaseFresh(status: JobStatus, leaseMs: number, at = Date.now()): boolean {
  const beat = Date.parse(status.heartbeatAt ?? status.updatedAt);
  return status.state === "running" && at - beat < leaseMs;
}
