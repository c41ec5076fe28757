/**
 * Where an ONNX Runtime session runs. `worker`: on its own worker thread (`ort-worker.ts`), so a server's event
 * loop keeps parsing requests and decoding images while a batch runs; each run pays a thread hop (~0.3–0.5 ms:
 * the input is copied over, both threads wake). `main`: on the calling thread (`ort-inline.ts`), no hop, but a
 * run blocks the event loop for its whole duration (onnxruntime-node's `run()` is synchronous underneath).
 *
 * A Lambda execution environment handles one request at a time, so there is nothing to overlap with and `main`
 * is strictly better there (and starts faster: no worker to boot); `residual serve` takes concurrent requests and
 * keeps `worker`. `RESIDUAL_ORT_THREAD` overrides the default.
 */
import { InvalidInputError } from "../errors.js";
import type { EngineOutput } from "./inference-engine.js";

export const ORT_THREADS = ["worker", "main"] as const;
export type OrtThread = (typeof ORT_THREADS)[number];

/** A loaded session, wherever it runs. */
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
 * `RESIDUAL_ORT_THREAD` when set, else `main` inside AWS Lambda and `worker` elsewhere.
 * @example
 * ortThreadFromEnv({ AWS_LAMBDA_FUNCTION_NAME: "embed" }) // "main"
 */
export function ortThreadFromEnv(env: NodeJS.ProcessEnv = process.env): OrtThread {
  const raw = env.RESIDUAL_ORT_THREAD?.trim();
  if (!raw) return env.AWS_LAMBDA_FUNCTION_NAME ? "main" : "worker";
  if (!(ORT_THREADS as readonly string[]).includes(raw)) {
    throw new InvalidInputError(
      "invalid_config",
      `RESIDUAL_ORT_THREAD must be one of ${ORT_THREADS.join(", ")}, got "${raw}"`,
    );
  }
  return raw as OrtThread;
}

/** The output names `exportOnnx` writes, checked the same way on both threads. */
export const MISSING_OUTPUTS = "ONNX model must have outputs `features` and `logits`";
