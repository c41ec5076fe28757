/**
 * Jobs off the caller's thread: a JobRunner that runs the training runner on a worker thread of its own, so the
 * API, the dataset watcher, the heartbeat and Ctrl-C stay on an event loop that training never blocks (a step on
 * the wasm engine is one synchronous call of a second or more).
 *
 * Why a worker thread and not a child process: the thread shares this process's stdout, TTY and signals (one
 * Ctrl-C stops everything), starts in ~0.2 s without a second copy of Node and the native modules, and talks by
 * structured clone; its event loop is independent either way. The cost: a native crash in the job (not a wasm
 * trap, which is an ordinary exception) would end the whole process.
 */
import sharp from "sharp";
import type { BackendSettings, WorkerSettings } from "../config/load-config.js";
import { fromWireError, type WireError } from "../error-wire.js";
import { TransientError } from "../errors.js";
import { type PortableStore, portableStore } from "../store/portable-store.js";
import { startModuleWorker, type WorkerEntry } from "../workers/module-worker.js";
import type { JobContext, JobOutcome, JobRunner } from "./job-runner.js";
import type { JobProgress, JobStatus } from "./job-status.js";
import { type TrainingRunnerOptions, trainingJobRunner } from "./training-runner.js";

/** What a job thread is started with (structured-clonable). */
export interface JobThreadInput {
  id: string;
  status: JobStatus;
  store: PortableStore;
  runner: TrainingRunnerOptions;
  backend: BackendSettings;
}

/** What a job thread says. */
export type JobThreadMessage =
  | { type: "log"; line: string }
  | { type: "progress"; progress: JobProgress }
  | { type: "outcome"; outcome: JobOutcome }
  | { type: "error"; error: WireError };

export interface JobThreadOptions {
  runner?: TrainingRunnerOptions;
  backend?: BackendSettings;
  /** After an abort, how long the job gets to checkpoint before the thread is terminated. @default 120 s */
  abortGraceMs?: number;
}

/** The job thread's module: the whole trainer, so it starts through tsx from the sources (module-worker.ts). */
const ENTRY: WorkerEntry = {
  source: new URL("./job-thread-main.ts", import.meta.url),
  name: "job-thread",
  start: "tsx",
};

function runOnThread(ctx: JobContext, portable: PortableStore, o: JobThreadOptions): Promise<JobOutcome> {
  const input: JobThreadInput = {
    id: ctx.id,
    status: ctx.status,
    store: portable,
    runner: o.runner ?? {},
    backend: o.backend ?? {},
  };
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker(ENTRY, input);
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener("abort", onAbort);
      clearTimeout(grace);
      fn();
    };
    const onAbort = () => {
      worker.postMessage({ type: "abort" });
      grace = setTimeout(() => void worker.terminate(), o.abortGraceMs ?? 120_000);
      grace.unref();
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener("abort", onAbort, { once: true });
    worker.on("message", (m: JobThreadMessage) => {
      if (m.type === "log") ctx.log(m.line);
      else if (m.type === "progress") void ctx.reportProgress(m.progress).catch(() => undefined);
      else if (m.type === "outcome") finish(() => resolve(m.outcome));
      else finish(() => reject(fromWireError(m.error)));
    });
    worker.on("error", (err) => {
      finish(() => reject(new TransientError("job_thread_failed", `the job thread failed: ${err.message}`)));
    });
    worker.on("exit", (code) => {
      const why = ctx.signal.aborted
        ? "stopped before the job handed itself back"
        : `exited with code ${code}`;
      finish(() => reject(new TransientError("job_thread_exited", `the job thread ${why}`)));
    });
  });
}

/**
 * The job runner a worker process configured by `config` uses: training on a job thread, with the process's
 * engine, thread, backend and dataset-cache settings.
 *
 * @example
 * const runner = configuredTrainingRunner(loadConfig("worker"));
 */
export function configuredTrainingRunner(
  config: { worker: WorkerSettings; backend: BackendSettings },
  extra: TrainingRunnerOptions = {},
): JobRunner {
  const w = config.worker;
  return threadedTrainingRunner({
    runner: {
      datasetCache: w.datasetCache,
      ...(w.maxExtractBytes !== undefined ? { maxExtractBytes: w.maxExtractBytes } : {}),
      engine: w.trainEngine,
      ...(w.trainThreads !== undefined ? { engineThreads: w.trainThreads } : {}),
      ...extra,
    },
    backend: config.backend,
  });
}

/**
 * The training runner on a job thread per job. A store that cannot be reopened elsewhere (an in-memory test
 * double) runs the job on this thread instead.
 *
 * @example
 * await runQueueWorker(queue, { store, runner: threadedTrainingRunner({ runner: { datasetCache: true } }) });
 */
export function threadedTrainingRunner(o: JobThreadOptions = {}): JobRunner {
  // libvips must be initialised by the main thread before any worker uses sharp (sharp's worker-thread advice).
  sharp.cache(false);
  const inline = trainingJobRunner(o.runner);
  return (ctx) => {
    const portable = portableStore(ctx.store);
    return portable ? runOnThread(ctx, portable, o) : inline(ctx);
  };
}
