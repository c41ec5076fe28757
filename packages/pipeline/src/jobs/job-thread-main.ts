/**
 * Inside a job thread: open the bucket again from its location, choose the tfjs backend, run the training
 * runner, and talk to the parent only by messages (log lines, progress, the outcome or the error). The parent
 * keeps the heartbeat, the status writes and the queue; this thread may block in compute for as long as a step
 * takes. An `abort` message aborts the job's signal (the trainer checkpoints and stops).
 */
import { parentPort } from "node:worker_threads";
import { initBackend } from "@residual/resnet";
import { toWireError } from "../error-wire.js";
import { openPortableStore } from "../store/portable-store.js";
import { workerInput } from "../workers/module-worker.js";
import type { JobThreadInput, JobThreadMessage } from "./job-thread.js";
import { trainingJobRunner } from "./training-runner.js";

const input = workerInput<JobThreadInput>();
const port = parentPort!;
const ctl = new AbortController();
const send = (m: JobThreadMessage) => port.postMessage(m);

port.on("message", (m: { type: string }) => {
  if (m.type === "abort") ctl.abort();
});

try {
  const store = openPortableStore(input.store);
  await initBackend({ ...input.backend, logger: (line) => send({ type: "log", line }) });
  const runner = trainingJobRunner(input.runner);
  const outcome = await runner({
    id: input.id,
    status: input.status,
    store,
    signal: ctl.signal,
    log: (line) => send({ type: "log", line }),
    reportProgress: async (progress) => send({ type: "progress", progress }),
  });
  send({ type: "outcome", outcome });
} catch (err) {
  send({ type: "error", error: toWireError(err) });
} finally {
  port.close();
}
