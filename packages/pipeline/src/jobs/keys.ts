/**
 * Every key under `jobs/<id>/` in one place, and the one job-id check: ids become key segments, so a key is
 * only ever built from an id that passed {@link validateJobId}.
 */
import { InvalidInputError } from "../errors.js";

/** Where jobs live in the bucket. */
export const JOBS_PREFIX = "jobs/";

/**
 * Job ids are safe as one key segment: lowercase, digits, `.`, `_`, `-`, at most 81 characters, no traversal.
 * @example
 * JOB_ID_PATTERN.test("flowers-1f3c9a2b"); // true
 */
export const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,80}$/;

/**
 * `id` when it is a job id, else InvalidInputError `invalid_job_id`.
 * @example
 * validateJobId("flowers-1f3c"); // "flowers-1f3c"
 * validateJobId("../models"); // throws
 */
export function validateJobId(id: string): string {
  if (!JOB_ID_PATTERN.test(id) || id.includes("..")) {
    throw new InvalidInputError("invalid_job_id", `not a job id: ${JSON.stringify(id)}`);
  }
  return id;
}

/**
 * `jobs/<id>/`, the folder of everything a job writes.
 * @example
 * jobPrefix("j1"); // "jobs/j1/"
 */
export function jobPrefix(id: string): string {
  return `${JOBS_PREFIX}${validateJobId(id)}/`;
}

/**
 * `jobs/<id>/status.json`: where the job is (claimed with a conditional write).
 * @example
 * statusKey("j1"); // "jobs/j1/status.json"
 */
export function statusKey(id: string): string {
  return `${jobPrefix(id)}status.json`;
}

/**
 * `jobs/<id>/report.json`: the dataset validation report.
 * @example
 * reportKey("j1"); // "jobs/j1/report.json"
 */
export function reportKey(id: string): string {
  return `${jobPrefix(id)}report.json`;
}

/**
 * `jobs/<id>/log.txt`: every line the job wrote, across attempts.
 * @example
 * logKey("j1"); // "jobs/j1/log.txt"
 */
export function logKey(id: string): string {
  return `${jobPrefix(id)}log.txt`;
}

/**
 * `jobs/<id>/checkpoints/`: the training checkpoints (and `latest.json`).
 * @example
 * checkpointPrefix("j1"); // "jobs/j1/checkpoints/"
 */
export function checkpointPrefix(id: string): string {
  return `${jobPrefix(id)}checkpoints/`;
}

/**
 * The job id of a `jobs/<id>/status.json` key, or undefined for any other key.
 * @example
 * statusKeyId("jobs/j1/status.json"); // "j1"
 */
export function statusKeyId(key: string): string | undefined {
  const m = /^jobs\/([^/]+)\/status\.json$/.exec(key);
  return m && JOB_ID_PATTERN.test(m[1]!) ? m[1] : undefined;
}
