/**
 * ONNX Runtime engine (the serving default): one session per model behind a micro-batcher. Runs never overlap
 * (ORT's intra-op threads already use every core); requests that arrive during a run are grouped into the next
 * one. The session lives on a worker thread in a server, so HTTP and image decoding carry on during a run and fill
 * that next batch, and on the calling thread in Lambda, which has one request at a time (`ort/ort-runner.ts`).
 */
import type { InferenceSession } from "onnxruntime-node";
import type { ObjectInfo } from "../store/object-store.js";
import { checkBatch } from "./check-batch.js";
import type { ArtifactsLocation, EngineOutput, InferenceEngine } from "./inference-engine.js";
import { MicroBatcher, type MicroBatchOptions } from "./micro-batcher.js";
import { type OrtRunner, type OrtThread, openRunner } from "./ort/ort-runner.js";
import { openOrtSession } from "./ort/ort-session.js";
import { onnxSessionOptions } from "./ort/session-options.js";

/**
 * How {@link createOnnxEngine} builds its session.
 * @example
 * const engine = await createOnnxEngine(bytes, { thread: "main", batching: { maxBatch: 16 } });
 */
export interface OnnxEngineOptions {
  /** @default onnxSessionOptions() */
  session?: InferenceSession.SessionOptions;
  /** @default { maxBatch: 8, maxWaitMs: 2 } */
  batching?: MicroBatchOptions;
  /** Where the session runs. @default "worker" */
  thread?: OrtThread;
}

class OnnxEngine implements InferenceEngine {
  readonly kind = "onnx" as const;
  private readonly batcher: MicroBatcher;

  constructor(
    private readonly session: OrtRunner,
    private readonly modelBytes: number,
    batching: MicroBatchOptions = {},
  ) {
    this.batcher = new MicroBatcher((x, n, size) => this.session.run(x, n, size), batching);
  }

  get stats(): { runs: number; images: number } {
    return { ...this.batcher.stats };
  }

  run(batch: Float32Array, n: number, size: number): Promise<EngineOutput> {
    try {
      checkBatch(batch, n, size, this.session.channels);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.batcher.run(batch, n, size);
  }

  memoryBytes(): number {
    // Weights are held once (the model bytes or ORT's copy); the arena for activations is roughly the same order.
    return this.modelBytes * 2;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/**
 * Create an ONNX engine from model bytes (`input` NHWC, outputs `features`, `logits`, as `exportOnnx` writes).
 * @example
 * const engine = await createOnnxEngine(await readFile("model.onnx"));
 * const { features } = await engine.run(batch, 1, 224);
 */
export async function createOnnxEngine(
  bytes: Uint8Array,
  options: OnnxEngineOptions = {},
): Promise<InferenceEngine> {
  const size = bytes.byteLength;
  // The caller may still hold `bytes`: a worker gets a copy.
  const runner = await openRunner(
    bytes,
    options.session ?? onnxSessionOptions(),
    options.thread ?? "worker",
    false,
  );
  return new OnnxEngine(runner, size, options.batching);
}

/**
 * An engine for `<prefix>model.onnx` (described by `onnx`) through the ORT-format cache, its session on `thread`.
 * @example
 * const engine = await openOnnxEngine({ store, prefix: "models/flowers/v1/" }, info, "main");
 */
export async function openOnnxEngine(
  location: ArtifactsLocation,
  onnx: ObjectInfo,
  thread: OrtThread,
): Promise<InferenceEngine> {
  const { runner, byteLength } = await openOrtSession(location, onnx, onnxSessionOptions(), thread);
  return new OnnxEngine(runner, byteLength);
}
