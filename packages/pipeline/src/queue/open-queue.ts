/**
 * The one place that chooses a JobQueue implementation from a URL: `https://…`/`http://…` queue URLs → SqsQueue,
 * `file:///dir` → LocalQueue (with `?maxReceiveCount=N` for its redrive policy).
 */
import { fileURLToPath } from "node:url";
import { awsSettings } from "../config/load-config.js";
import { InvalidInputError } from "../errors.js";
import type { JobQueue } from "./job-queue.js";
import { LocalQueue } from "./local-queue.js";
import { SqsQueue, type SqsQueueConfig } from "./sqs-queue.js";

export type OpenQueueOptions = Omit<SqsQueueConfig, "url"> & {
  /** Environment the SQS endpoint default (`AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL`) is parsed from. @default process.env */
  env?: Record<string, string | undefined>;
};

/**
 * Open the queue at `url`.
 *
 * @example
 * const queue = openQueue("file:///var/residual/queue?maxReceiveCount=3");
 */
export function openQueue(url: string, options: OpenQueueOptions = {}): JobQueue {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new InvalidInputError("invalid_queue_url", `Not a queue URL: ${JSON.stringify(url)}.`, {
      cause: err,
    });
  }
  if (parsed.protocol === "file:") {
    const max = parsed.searchParams.get("maxReceiveCount");
    const maxReceiveCount = max === null ? undefined : Number(max);
    parsed.search = "";
    return new LocalQueue(fileURLToPath(parsed), maxReceiveCount === undefined ? {} : { maxReceiveCount });
  }
  if (parsed.protocol === "https:" || parsed.protocol === "http:") {
    const { env, ...sqs } = options;
    const endpoint = sqs.endpoint ?? awsSettings(env).sqsEndpoint;
    return new SqsQueue({ ...sqs, url, endpoint });
  }
  throw new InvalidInputError(
    "invalid_queue_url",
    `Unsupported queue URL ${JSON.stringify(url)}: use an SQS queue URL (https://…) or file:///dir.`,
  );
}
