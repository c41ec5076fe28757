// One helper thread of the wasm training engine: instantiates the shared module on the shared memory and
// sleeps in workerLoop until the coordinator starts a program. Plain JavaScript so that it needs no loader.
import { parentPort, workerData } from "node:worker_threads";
import { engineImports } from "./engine-imports.mjs";

const { module, memory, ctl, tid, generation } = workerData;
const ABORT = 20;
const BAR_GEN = 128;
try {
  const instance = new WebAssembly.Instance(module, engineImports(memory));
  parentPort.postMessage({ ready: true });
  instance.exports.workerLoop(ctl, tid, generation);
  parentPort.postMessage({ done: true });
} catch (error) {
  // Wake every thread waiting at a barrier so the coordinator can report the failure.
  const i32 = new Int32Array(memory.buffer, ctl, 48);
  Atomics.store(i32, ABORT >> 2, 1);
  Atomics.add(i32, BAR_GEN >> 2, 1);
  Atomics.notify(i32, BAR_GEN >> 2);
  parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
