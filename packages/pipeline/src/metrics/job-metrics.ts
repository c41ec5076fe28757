/**
 * The job gauges, read from the bucket when `/metrics` is scraped: jobs by state and each running job's last
 * reported training throughput (the job runs on its own thread or machine; its status document is what it shares).
 */
import { JOB_STATES, listJobs } from "../jobs/job-status.js";
import type { ObjectStore } from "../store/object-store.js";
import { METRICS } from "./process-metrics.js";

/**
 * Set `residual_jobs{state}` and `residual_training_images_per_second{job}` from the store's status documents.
 * @example
 * await refreshJobMetrics(store); const text = processMetrics().text();
 */
export async function refreshJobMetrics(store: ObjectStore): Promise<void> {
  const jobs = await listJobs(store);
  METRICS.jobs.reset();
  for (const state of JOB_STATES) METRICS.jobs.set(jobs.filter((j) => j.state === state).length, { state });
  METRICS.trainingImagesPerSecond.reset();
  for (const j of jobs) {
    const ips = j.progress?.imagesPerSecond;
    if (j.state === "running" && ips !== undefined) METRICS.trainingImagesPerSecond.set(ips, { job: j.id });
  }
}
