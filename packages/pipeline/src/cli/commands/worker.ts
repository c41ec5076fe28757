/**
 * `residual worker --queue <url>`: long-poll a queue (SQS or `file://` local) and run the jobs it announces.
 * `residual worker --job <id>`: run one job claimed by the AWS dispatcher (the Batch container's command); exits
 * 0 when the job ended well or was already done, 3 for a permanent failure (bad dataset/spec), 75 to be retried.
 */
import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import { InvalidInputError } from "../../errors.js";
import { onlyOwnBucket, servingEventBuckets } from "../../jobs/event-bucket.js";
import { configuredTrainingRunner } from "../../jobs/job-thread.js";
import { runJob, runQueueWorker, type WorkerOptions } from "../../jobs/worker.js";
import { openQueue } from "../../queue/open-queue.js";
import { cliLogger, withLogFormatOption } from "../log-format-option.js";
import { openCliStore, withStoreOption } from "../store-option.js";

export const EXIT = { ok: 0, permanent: 3, transient: 75 } as const;

interface WorkerFlags {
  store?: string;
  queue?: string;
  job?: string;
  once?: boolean;
  visibility: string;
  heartbeat: string;
  logFormat?: string;
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidInputError("invalid_option", `--${name} must be a positive integer, got ${value}`);
  return n;
}

/** SIGINT/SIGTERM stop the job at the next step; the trainer checkpoints and the job is handed back for a retry. */
function shutdownSignal(): AbortSignal {
  const ctl = new AbortController();
  const stop = (sig: string) => {
    process.stderr.write(
      `residual worker: ${sig}: stopping after the current step (checkpointed; the job resumes)\n`,
    );
    ctl.abort();
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  return ctl.signal;
}

export async function runWorkerCommand(flags: WorkerFlags): Promise<number> {
  const config = loadConfig("worker");
  const jobId = flags.job ?? config.worker.jobId;
  if (!flags.queue && !jobId)
    throw new InvalidInputError("missing_option", "give --queue <url> or --job <id> (or RESIDUAL_JOB_ID)");
  const logger = cliLogger(flags.logFormat, "residual-worker", jobId && !flags.queue ? { jobId } : {});
  const log = (line: string) => logger.line(line);
  // The tfjs backend is chosen (and logged) by each job's own thread.
  const o: WorkerOptions = {
    store: openCliStore(flags.store, config),
    runner: configuredTrainingRunner(config),
    visibilityTimeout: positive("visibility", flags.visibility),
    heartbeatSeconds: positive("heartbeat", flags.heartbeat),
    signal: shutdownSignal(),
    log,
  };
  if (jobId && !flags.queue) {
    const datasetKey = config.worker.datasetKey;
    const result = await runJob(jobId, { ...o, ...(datasetKey ? { datasetKey } : {}) });
    return result === "failed" ? EXIT.permanent : result === "retry" ? EXIT.transient : EXIT.ok;
  }
  const queue = openQueue(flags.queue!);
  // Given no store at all, a queue worker serves the S3 bucket each event names instead of ./.residual.
  const anyBucket = !flags.store && !config.store.location && queue.url.startsWith("http");
  const storeFor = anyBucket
    ? servingEventBuckets(o.store, (bucket) => openCliStore(`s3://${bucket}`, config))
    : onlyOwnBucket(o.store);
  log(
    `residual worker: polling ${queue.url}, bucket ${anyBucket ? "of each event (no --store)" : o.store.url}`,
  );
  await runQueueWorker(queue, { ...o, storeFor, ...(flags.once ? { maxMessages: 1 } : {}) });
  return EXIT.ok;
}

export function register(program: Command): void {
  withLogFormatOption(
    withStoreOption(
      program.command("worker").description("run fine-tuning jobs from a queue (--queue) or one job (--job)"),
    ),
  )
    .option("--queue <url>", "SQS queue URL, or file:///dir for the local queue")
    .option("--job <id>", "run this one job (AWS Batch); default $RESIDUAL_JOB_ID")
    .option("--once", "stop after one message")
    .option(
      "--visibility <seconds>",
      "how long a received message stays hidden (renewed by the heartbeat)",
      "300",
    )
    .option("--heartbeat <seconds>", "seconds between heartbeats", "30")
    .action(async (flags: WorkerFlags) => {
      process.exitCode = await runWorkerCommand(flags);
    });
}
