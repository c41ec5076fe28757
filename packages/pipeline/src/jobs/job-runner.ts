import type { ObjectStore } from "../store/object-store.js";
import type { JobProgress, JobStatus } from "./job-status.js";

/**
 * What a job needs to run: its status, the bucket, a way to report progress, and a signal to stop early.
 * @example
 * const runner: JobRunner = async (ctx: JobContext) => ({ model: "flowers", version: ctx.id });
 */
export interface JobContext {
  id: string;
  status: JobStatus;
  store: ObjectStore;
  /** Stops the job (process shutdown); the runner checkpoints and throws or returns early. */
  signal: AbortSignal;
  /** Merged into status.json's `progress` (throttled by the caller). */
  reportProgress(progress: JobProgress): Promise<void>;
  log(line: string): void;
}

/**
 * What a finished job published.
 * @example
 * const outcome: JobOutcome = { model: "flowers", version: "20251127T162135123Z-3f9a", metrics: { top1: 0.91 } };
 */
export interface JobOutcome {
  model: string;
  version: string;
  metrics?: Record<string, number>;
}

/**
 * Runs one claimed job to the end: dataset → training → published model. Throws a permanent ResidualError
 * (DatasetError, InvalidInputError) for bad inputs and anything else for trouble worth a retry.
 * @example
 * const runner: JobRunner = trainingJobRunner({ progressEveryMs: 2000 });
 */
export type JobRunner = (ctx: JobContext) => Promise<JobOutcome>;
