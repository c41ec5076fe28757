/**
 * The JobQueue over Amazon SQS (or a local SQS-compatible server such as moto). Long polling, the
 * ApproximateReceiveCount system attribute as `receiveCount`, the SDK's standard retry strategy, and SDK errors
 * mapped to the pipeline's hierarchy (throttling/5xx/network → TransientError).
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { z } from "zod";
import { awsSettings } from "../config/load-config.js";
import { InvalidInputError, PayloadTooLargeError } from "../errors.js";
import { mapAwsError } from "../store/aws-errors.js";
import {
  assertVisibilitySeconds,
  type JobQueue,
  MAX_MESSAGE_BYTES,
  parseReceiveOptions,
  type QueueMessage,
  type ReceiveOptions,
} from "./job-queue.js";

const SqsQueueConfigSchema = z.object({
  url: z.url(),
  /** @default from the queue URL's host, else AWS_REGION, else us-east-1 */
  region: z.string().min(1).optional(),
  /** Custom endpoint; by default an `http://` queue URL's origin (local servers), else the SDK's. */
  endpoint: z.url().optional(),
  credentials: z
    .object({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string().optional() })
    .optional(),
  /** @default 5 */
  maxAttempts: z.number().int().min(1).max(20).default(5),
  client: z.instanceof(SQSClient).optional(),
});
export type SqsQueueConfig = z.input<typeof SqsQueueConfigSchema>;

/** `sqs.eu-west-1.amazonaws.com` or `eu-west-1.queue.amazonaws.com` → `eu-west-1`. */
function regionFromHost(host: string): string | undefined {
  return (
    /^sqs[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(host)?.[1] ??
    /^([a-z0-9-]+)\.queue\.amazonaws\.com/.exec(host)?.[1]
  );
}

/**
 * An SQS queue.
 *
 * @example
 * const queue = new SqsQueue({ url: "https://sqs.us-east-1.amazonaws.com/123456789012/residual-jobs" });
 * const [msg] = await queue.receive({ waitSeconds: 20, visibilityTimeout: 300 });
 */
export class SqsQueue implements JobQueue {
  readonly url: string;
  readonly client: SQSClient;

  constructor(config: SqsQueueConfig) {
    const parsed = SqsQueueConfigSchema.safeParse(config);
    if (!parsed.success) {
      throw new InvalidInputError("invalid_config", `Invalid SQS queue config: ${parsed.error.message}`);
    }
    const c = parsed.data;
    const url = new URL(c.url);
    this.url = c.url;
    this.client =
      c.client ??
      new SQSClient({
        region: c.region ?? regionFromHost(url.host) ?? awsSettings().region ?? "us-east-1",
        endpoint: c.endpoint ?? (url.protocol === "http:" ? url.origin : undefined),
        credentials: c.credentials,
        maxAttempts: c.maxAttempts,
        retryMode: "standard",
      });
  }

  async send(body: string): Promise<string> {
    if (Buffer.byteLength(body, "utf8") > MAX_MESSAGE_BYTES) {
      throw new PayloadTooLargeError("message_too_large", `Message body exceeds ${MAX_MESSAGE_BYTES} bytes.`);
    }
    try {
      const res = await this.client.send(new SendMessageCommand({ QueueUrl: this.url, MessageBody: body }));
      return res.MessageId ?? "";
    } catch (err) {
      throw mapAwsError(err, `SendMessage ${this.url}`);
    }
  }

  async receive(options?: ReceiveOptions): Promise<QueueMessage[]> {
    const o = parseReceiveOptions(options);
    try {
      const res = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.url,
          MaxNumberOfMessages: o.max,
          WaitTimeSeconds: Math.round(o.waitSeconds),
          VisibilityTimeout: o.visibilityTimeout,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
      );
      return (res.Messages ?? []).map((m) => ({
        id: m.MessageId ?? "",
        body: m.Body ?? "",
        receiptHandle: m.ReceiptHandle ?? "",
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? "1"),
      }));
    } catch (err) {
      throw mapAwsError(err, `ReceiveMessage ${this.url}`);
    }
  }

  async delete(message: QueueMessage): Promise<void> {
    try {
      await this.client.send(
        new DeleteMessageCommand({ QueueUrl: this.url, ReceiptHandle: message.receiptHandle }),
      );
    } catch (err) {
      throw mapAwsError(err, `DeleteMessage ${this.url}`);
    }
  }

  async extendVisibility(message: QueueMessage, seconds: number): Promise<void> {
    assertVisibilitySeconds(seconds);
    try {
      await this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.url,
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (err) {
      const mapped = mapAwsError(err, `ChangeMessageVisibility ${this.url}`);
      throw mapped;
    }
  }
}
