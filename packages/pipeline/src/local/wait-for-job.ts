/**
 * Follows a job over the API until it ends, reporting each new epoch. A job that no worker has claimed yet
 * answers 404 for a while (the watcher and the queue come first); that is waiting, not an error.
 */
import { DatasetError, TransientError } from "../errors.js";
import type { ApiClient, JobView } from "./api-client.js";

export interface WaitOptions {
  /** Give up after this long. @default 900_000 */
  timeoutMs?: number;
  /** @default 1000 */
  pollMs?: number;
  /** Called once per finished epoch, and when the job changes state. */
  onUpdate?: (job: JobView, what: "state" | "epoch") => void;
}

/**
 * Resolve with the succeeded job; throw DatasetError `job_failed` (with the job's reason) when it failed, and
 * TransientError `job_timeout` when it did not end in time.
 *
 * @example
 * const job = await waitForJob(new ApiClient(url), "demo-shapes-1a2b", { onUpdate: (j) => console.log(j.state) });
 */
export async function waitForJob(api: ApiClient, id: string, o: WaitOptions = {}): Promise<JobView> {
  const deadline = Date.now() + (o.timeoutMs ?? 900_000);
  let state: string | undefined;
  let epoch = -1;
  while (Date.now() < deadline) {
    const job = await api.job(id);
    if (job) {
      // Epoch reports (the ones with val metrics) carry the 1-based number of the epoch just finished; show each once.
      const done = job.progress?.metrics?.valTop1 !== undefined ? job.progress.epoch : -1;
      if (done > epoch) {
        epoch = done;
        o.onUpdate?.(job, "epoch");
      }
      if (job.state !== state) o.onUpdate?.(job, "state");
      state = job.state;
      if (job.state === "succeeded") return job;
      if (job.state === "failed")
        throw new DatasetError(
          "job_failed",
          `job ${id} failed: [${job.error?.code ?? "unknown"}] ${job.error?.message ?? "no reason recorded"}`,
        );
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
  }
  throw new TransientError(
    "job_timeout",
    state
      ? `job ${id} is still ${state} after ${Math.round((o.timeoutMs ?? 900_000) / 1000)} s; follow it with: residual jobs show ${id}`
      : `no worker picked up job ${id}: is the running pipeline using the same --store/--home as this command?`,
  );
}
