/**
 * Where an ONNX Runtime session runs. `worker`: on its own worker thread (`ort-worker.ts`), so a server's event
 * loop keeps parsing requests and decoding images while a batch runs; each run pays a thread hop (~0.3–0.5 ms:
 * the input is copied over, both threads wake). `main`: on the calling thread (`ort-inline.ts`), no hop, but a
 * run blocks the event loop for its whole duration (onnxruntime-node's `run()` is synchronous underneath).
 *
 * A Lambda execution environment handles one request at a time, so there is nothing to overlap with and `main`
 * is strictly better there (and starts faster: no worker to boot); `residual serve` takes concurrent requests and
 * keeps `worker`. The choice is made once per process, by its configuration (`RESIDUAL_ORT_THREAD`), when the
 * serving core is built.
 */
import type { InferenceSession } from "onnxruntime-node";
import type { EngineOutput } from "../inference-engine.js";

/**
 * Where a session may run.
 * @example
 * ORT_THREADS.includes("main"); // true
 */
export const ORT_THREADS = ["worker", "main"] as const;
/**
 * One of {@link ORT_THREADS}.
 * @example
 * const thread: OrtThread = "worker";
 */
export type OrtThread = (typeof ORT_THREADS)[number];

/**
 * A loaded session, wherever it runs.
 * @example
 * const out = await runner.run(batch, 1, 224); await runner.release();
 */
export interface OrtRunner {
  /** Channels of the `input` NHWC tensor. */
  readonly channels: number;
  /** The session's output names. */
  readonly outputs: readonly string[];
  /** Run one NHWC batch; the caller owns the returned arrays. */
  run(batch: Float32Array, n: number, size: number): Promise<EngineOutput>;
  release(): Promise<void>;
}

/**
 * A session on `thread`. With `transfer` (bytes nobody else holds, like a fresh `store.get` result) they move to a
 * worker without a copy; otherwise the worker gets a copy.
 * @example
 * const runner = await openRunner(await store.get(key), onnxSessionOptions(), "main");
 */
export async function openRunner(
  bytes: Uint8Array,
  options: InferenceSession.SessionOptions,
  thread: OrtThread,
  transfer = true,
): Promise<OrtRunner> {
  // Imported here: a process whose sessions all live on one side never loads the other side's code.
  if (thread === "main") return (await import("./ort-inline.js")).OrtInline.open(bytes, options);
  return (await import("./ort-worker.js")).OrtWorker.open(bytes, options, transfer);
}
