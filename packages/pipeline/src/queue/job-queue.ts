/**
 * The job-queue seam: SQS in the cloud, a directory on one machine. Delivery is at-least-once: a received message
 * stays invisible for `visibilityTimeout` seconds and comes back (with a higher `receiveCount`) unless it is
 * deleted; after the queue's `maxReceiveCount` receives it moves to the dead-letter queue instead.
 */
import { z } from "zod";
import { InvalidInputError } from "../errors.js";

/**
 * One received message, with the receipt that deletes or extends it.
 * @example
 * for (const msg of await queue.receive({ max: 1 })) await queue.delete(msg);
 */
export interface QueueMessage {
  id: string;
  body: string;
  /** Proof of this particular receive; needed to delete or extend. A later receive of the same message gets a new one. */
  receiptHandle: string;
  /** How many times the message has been received, this receive included (SQS ApproximateReceiveCount). */
  receiveCount: number;
}

export interface ReceiveOptions {
  /** Long-poll up to this many seconds for a message (0–20). @default 0 */
  waitSeconds?: number;
  /** At most this many messages (1–10). @default 1 */
  max?: number;
  /** Seconds the received messages stay invisible to other consumers (0–43200). @default 30 */
  visibilityTimeout?: number;
}

/**
 * The job-queue seam: SQS in the cloud, a directory on one machine (see the file header for delivery).
 * @example
 * const queue: JobQueue = openQueue("file:///var/residual/queue");
 * const [msg] = await queue.receive({ waitSeconds: 5 });
 */
export interface JobQueue {
  /** `https://sqs.<region>.amazonaws.com/<account>/<name>`, a local server's queue URL, or `file:///dir`. */
  readonly url: string;
  /** Enqueue `body`; returns the message id. */
  send(body: string): Promise<string>;
  /** Up to `max` messages, waiting up to `waitSeconds` for the first; [] when none arrived. */
  receive(options?: ReceiveOptions): Promise<QueueMessage[]>;
  /** Acknowledge: the message will not be delivered again. A stale receipt (visibility ran out) is a no-op, as in SQS. */
  delete(message: QueueMessage): Promise<void>;
  /** Keep `message` invisible for `seconds` more from now (heartbeat of long jobs). */
  extendVisibility(message: QueueMessage, seconds: number): Promise<void>;
}

const ReceiveOptionsSchema = z.object({
  waitSeconds: z.number().min(0).max(20).default(0),
  max: z.number().int().min(1).max(10).default(1),
  visibilityTimeout: z.number().int().min(0).max(43_200).default(30),
});

/** SQS's limit on one message body; the local queue enforces the same so local tests catch oversized jobs. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * Apply defaults and SQS's bounds to receive options (InvalidInputError `invalid_receive_options`).
 *
 * @example
 * parseReceiveOptions({ max: 5 }); // { waitSeconds: 0, max: 5, visibilityTimeout: 30 }
 */
export function parseReceiveOptions(options: ReceiveOptions = {}): Required<ReceiveOptions> {
  const parsed = ReceiveOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new InvalidInputError(
      "invalid_receive_options",
      `Invalid receive options: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

/**
 * Validate a visibility extension (0–43200 s, SQS's bound).
 *
 * @example
 * assertVisibilitySeconds(60); // ok
 */
export function assertVisibilitySeconds(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
    throw new InvalidInputError(
      "invalid_visibility",
      `Visibility timeout must be an integer 0–43200, got ${seconds}.`,
    );
  }
}
