/**
 * The worker-thread side of augment-pool.ts: its own kernel instance, running the same `augmentInto` as the
 * calling thread on jobs whose output is a slice of a shared batch.
 */
import { parentPort } from "node:worker_threads";
import { augmentInto } from "./augment.js";
import { augmentModule, instantiateAugment } from "./augment-kernel.js";

interface AugmentMessage {
  id: number;
  job: Parameters<typeof augmentInto>[1];
  out: SharedArrayBuffer;
  byteOffset: number;
  length: number;
}

const kernel = instantiateAugment(augmentModule());

parentPort!.on("message", (m: AugmentMessage) => {
  try {
    augmentInto(kernel, m.job, new Float32Array(m.out, m.byteOffset, m.length), 0);
    parentPort!.postMessage({ id: m.id });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: String((err as Error)?.message ?? err) });
  }
});
