/**
 * Multithreaded tfjs-backend-wasm under Node 20 — every workaround in this one file. Stock tfjs refuses threads
 * under Node and could not start them anyway:
 * 1. `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false under Node (tfjs issue 3830): we set the flag.
 * 2. The pthread worker script is handed to `new Worker()` as a `blob:` URL, which `worker_threads` rejects:
 *    while the backend initialises, `URL.createObjectURL` returns our `wasm-pthread-worker.cjs` for that Blob
 *    (the worker side then loads the main script from disk instead of from a Blob).
 * 3. The C++ side caps the pool at half of `os.cpus()`: while it initialises, `os.cpus()` reports enough cores.
 * 4. Emscripten keeps running pthread workers referenced, so a process would never exit: we unref them (they
 *    only ever work synchronously inside a kernel call, so nothing is lost when the process ends).
 * All patches are undone as soon as initialisation ends; emscripten preallocates 8 workers, so no worker is
 * created later and at most {@link MAX_WASM_THREADS} threads are supported.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";

/** Emscripten preallocates this many pthread workers; more threads would need workers after the patches end. */
export const MAX_WASM_THREADS = 8;

/** What this module needs from `@tensorflow/tfjs-backend-wasm`. */
export interface WasmThreadsModule {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

interface PThreadPool {
  runningWorkers: { unref(): void }[];
  unusedWorkers: { unref(): void }[];
}

const WORKER_SCRIPT = fileURLToPath(new URL("./wasm-pthread-worker.cjs", import.meta.url));

/**
 * Whether the files the worker entry relies on are where it expects them (a tfjs upgrade could move them). A
 * worker that fails to start would throw in an emscripten event handler and end the process, so threads are
 * only attempted when this holds; otherwise the backend starts single-threaded.
 * @example
 * if (threadedBuildAvailable()) await initBackend({ threads: 2 });
 */
export function threadedBuildAvailable(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const wasmOut = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out");
    const worker = require(join(wasmOut, "tfjs-backend-wasm-threaded-simd.worker.js")) as {
      wasmWorkerContents?: unknown;
    };
    return (
      typeof worker.wasmWorkerContents === "string" &&
      existsSync(join(wasmOut, "tfjs-backend-wasm-threaded-simd.js")) &&
      existsSync(WORKER_SCRIPT)
    );
  } catch {
    return false;
  }
}

/** True once the wasm backend has been initialised in this process (its thread count is then fixed). */
export function wasmInitialised(): boolean {
  return tf.engine().registry.wasm !== undefined;
}

/** Runs `init` with the worker-URL and core-count patches in place, and always removes them. */
async function withPatches<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  // tfjs makes exactly one JavaScript Blob (the worker script) and one text/javascript Blob (the main script).
  URL.createObjectURL = (blob: Blob) =>
    blob.type === "application/javascript" ? WORKER_SCRIPT : createObjectURL(blob);
  os.cpus = () => {
    const list = cpus();
    while (list.length > 0 && list.length < 2 * threads) list.push(list[0]!);
    return list;
  };
  try {
    return await init();
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
}

/** Unrefs every pthread worker so that the process can exit while the pool idles. */
function unrefWorkers(): void {
  const backend = tf.engine().registry.wasm as unknown as { wasm?: { PThread?: PThreadPool } } | undefined;
  const pool = backend?.wasm?.PThread;
  if (pool === undefined) return;
  for (const worker of [...pool.runningWorkers, ...pool.unusedWorkers]) worker.unref();
}

/**
 * Initialises the wasm backend through `activate` with `threads` threads (1 = stock single-threaded). Must run
 * before the wasm backend is first initialised; returns the threads the backend actually computes with.
 *
 * @example
 * ```ts
 * const wasm = await import("@tensorflow/tfjs-backend-wasm");
 * const threads = await initWasmThreads(wasm, 4, async () => { await tf.setBackend("wasm"); await tf.ready(); });
 * ```
 */
export async function initWasmThreads(
  wasm: WasmThreadsModule,
  threads: number,
  activate: () => Promise<void>,
): Promise<number> {
  if (wasmInitialised()) {
    await activate();
    return wasm.getThreadsCount();
  }
  const wanted = Math.min(Math.max(1, Math.floor(threads)), MAX_WASM_THREADS);
  const n = wanted > 1 && threadedBuildAvailable() ? wanted : 1;
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", n > 1);
  wasm.setThreadsCount(n);
  if (n === 1) {
    await activate();
  } else {
    await withPatches(n, activate);
    unrefWorkers();
  }
  return wasm.getThreadsCount();
}
