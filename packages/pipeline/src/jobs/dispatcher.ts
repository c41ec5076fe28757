/**
 * The AWS path's first hop: an SQS message with S3 events becomes claimed jobs submitted to AWS Batch, whose
 * container runs `residual worker --job <id>`. Locally the worker consumes the queue itself (see worker.ts).
 */
import { BatchClient, SubmitJobCommand } from "@aws-sdk/client-batch";
import type { EnvName } from "../config/env-vars.js";
import type { ObjectStore } from "../store/object-store.js";
import { parseDatasetMessage } from "./dataset-event.js";
import { jobIdFor } from "./job-id.js";
import { claimJob, updateJobStatus } from "./job-status.js";

/**
 * What each submitted container gets in its environment, from the contract the worker parses
 * (`config/env-vars.ts`): the job, the bucket and the upload it is for.
 * @example
 * CONTAINER_ENV.includes("RESIDUAL_JOB_ID"); // true
 */
export const CONTAINER_ENV = [
  "RESIDUAL_JOB_ID",
  "RESIDUAL_BUCKET",
  "RESIDUAL_DATASET_KEY",
] as const satisfies readonly EnvName[];

/** Starts the training container for a claimed job; returns the Batch job id. */
export interface JobSubmitter {
  submit(jobId: string, datasetKey: string): Promise<string>;
}

export interface BatchSubmitterOptions {
  client?: BatchClient;
  jobQueue: string;
  jobDefinition: string;
  /** Bucket the container reads and writes (passed as RESIDUAL_BUCKET). */
  bucket: string;
}

/**
 * A JobSubmitter over AWS Batch. The job id travels both as the `jobId` parameter (the job definition's command is
 * `--job Ref::jobId`, see cdk/lib/training.ts) and as `RESIDUAL_JOB_ID` in the environment (`CONTAINER_ENV`).
 * @example
 * const submitter = batchSubmitter(loadConfig("dispatcher").dispatch);
 */
export function batchSubmitter(opts: BatchSubmitterOptions): JobSubmitter {
  const client = opts.client ?? new BatchClient({});
  return {
    async submit(jobId, datasetKey) {
      const values: Record<(typeof CONTAINER_ENV)[number], string> = {
        RESIDUAL_JOB_ID: jobId,
        RESIDUAL_BUCKET: opts.bucket,
        RESIDUAL_DATASET_KEY: datasetKey,
      };
      const out = await client.send(
        new SubmitJobCommand({
          jobName: `residual-${jobId}`.slice(0, 128),
          jobQueue: opts.jobQueue,
          jobDefinition: opts.jobDefinition,
          parameters: { jobId },
          // The job definition's command is `--job Ref::jobId` after the `residual worker` entrypoint.
          containerOverrides: {
            environment: CONTAINER_ENV.map((name) => ({ name, value: values[name] })),
          },
        }),
      );
      if (!out.jobId) throw new Error(`Batch accepted job ${jobId} without returning its id`);
      return out.jobId;
    },
  };
}

export interface DispatchResult {
  submitted: Array<{ jobId: string; batchJobId: string }>;
  duplicates: string[];
  ignored: number;
}

/**
 * Dispatch one queue message: claim each dataset event's job (only if absent) and submit the new ones.
 * A duplicate delivery finds the job claimed and submits nothing.
 * @throws InvalidInputError for a malformed message (the caller reports it as a batch item failure, so it is
 * retried and ends in the DLQ); infrastructure errors propagate likewise.
 * @example
 * const { submitted } = await dispatchMessage(record.body, { store, submitter: batchSubmitter(config.dispatch) });
 */
export async function dispatchMessage(
  body: string,
  deps: { store: ObjectStore; submitter: JobSubmitter },
): Promise<DispatchResult> {
  const parsed = parseDatasetMessage(body);
  const result: DispatchResult = { submitted: [], duplicates: [], ignored: parsed.ignored.length };
  for (const event of parsed.events) {
    const jobId = jobIdFor(event);
    const { claimed, status } = await claimJob(deps.store, jobId, event);
    // A claim whose submission failed earlier has no batchJobId yet: submitting again is the retry.
    if (!claimed && status.batchJobId) {
      result.duplicates.push(jobId);
      continue;
    }
    const batchJobId = await deps.submitter.submit(jobId, event.key);
    await updateJobStatus(deps.store, jobId, () => ({ batchJobId }));
    result.submitted.push({ jobId, batchJobId });
  }
  return result;
}
