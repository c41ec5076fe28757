/**
 * Keeps a long job's message invisible while it runs: extends its visibility every `every` seconds by `extendBy`
 * seconds, so the message is redelivered only if this process dies (and the heartbeat with it).
 */
import { isResidualError } from "../errors.js";
import type { JobQueue, QueueMessage } from "./job-queue.js";

export interface HeartbeatOptions {
  /** Seconds between extensions; keep well under `extendBy` so one slow call does not let the message reappear. */
  every: number;
  /** Seconds of invisibility each extension grants, counted from the extension. */
  extendBy: number;
  /** Told about failed extensions; the heartbeat keeps trying unless the message is gone (`message_not_inflight`). */
  onError?: (err: unknown) => void;
}

/**
 * Start heartbeating `message`; the returned function stops it and resolves once no extension is in flight.
 *
 * @example
 * const stop = heartbeat(queue, msg, { every: 60, extendBy: 180 });
 * try { await train(msg); await queue.delete(msg); } finally { await stop(); }
 */
export function heartbeat(
  queue: JobQueue,
  message: QueueMessage,
  options: HeartbeatOptions,
): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const beat = async (): Promise<void> => {
    try {
      await queue.extendVisibility(message, options.extendBy);
    } catch (err) {
      options.onError?.(err);
      // Another consumer owns (or deleted) the message now: further extensions can only fail.
      if (isResidualError(err) && err.code === "message_not_inflight") stopped = true;
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = beat().then(schedule);
    }, options.every * 1000);
    // A heartbeat alone must not keep the process alive.
    timer.unref();
  };
  schedule();

  return async () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    await inFlight;
  };
}
