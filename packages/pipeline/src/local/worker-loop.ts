/**
 * The worker loop of `residual start`: the jobs module's `handleMessage` for every message, in a loop that a
 * long-running process can live with — a failed receive or a bug in one message is logged and the loop goes on,
 * and on shutdown a message left for retry is made visible at once, so the next start resumes its job without
 * waiting out the visibility timeout.
 */
import { handleMessage, type WorkerOptions } from "../jobs/worker.js";
import type { JobQueue } from "../queue/job-queue.js";

export interface WorkerLoopOptions extends WorkerOptions {
  signal: AbortSignal;
  /** Long-poll wait per receive; bounds how long an idle loop takes to notice the signal. @default 1 */
  waitSeconds?: number;
  /** Pause after a failed receive. @default 2000 */
  retryDelayMs?: number;
}

/** Wait `ms` or until `signal` aborts; the abort listener is removed either way (no listener piles up). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * Receive and handle messages until `signal` aborts. Resolves with the number of messages handled.
 *
 * @example
 * const ctl = new AbortController();
 * const done = runWorkerLoop(queue, { store, runner: trainingJobRunner(), signal: ctl.signal });
 * ctl.abort(); await done;
 */
export async function runWorkerLoop(queue: JobQueue, o: WorkerLoopOptions): Promise<number> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const visibilityTimeout = o.visibilityTimeout ?? 300;
  let handled = 0;
  while (!o.signal.aborted) {
    let messages: Awaited<ReturnType<JobQueue["receive"]>>;
    try {
      messages = await queue.receive({ waitSeconds: o.waitSeconds ?? 1, max: 1, visibilityTimeout });
    } catch (err) {
      log(`worker: receive from ${queue.url} failed: ${(err as Error).message} (retrying)`);
      await sleep(o.retryDelayMs ?? 2000, o.signal);
      continue;
    }
    for (const msg of messages) {
      let outcome: "deleted" | "left" = "left";
      try {
        outcome = await handleMessage(queue, msg, o);
      } catch (err) {
        // Store trouble while recording a job's state: the message comes back after its visibility timeout.
        log(`worker: message ${msg.id}: ${(err as Error).message} (left for redelivery)`);
      }
      handled++;
      if (outcome === "left" && o.signal.aborted) {
        await queue.extendVisibility(msg, 0).catch((err: unknown) => {
          log(`worker: could not release message ${msg.id}: ${(err as Error).message}`);
        });
      }
    }
  }
  return handled;
}
