/**
 * ONNX Runtime engine (the serving default): one session per model on its own worker thread (`ort-worker.ts`),
 * behind a micro-batcher. Runs never overlap (ORT's intra-op threads already use every core); requests that arrive
 * during a run are grouped into the next one, and because the run happens off the main thread, HTTP and image
 * decoding carry on meanwhile and fill that next batch.
 */
import { availableParallelism } from "node:os";
import type { InferenceSession } from "onnxruntime-node";
import { checkBatch } from "./check-batch.js";
import type { ArtifactsLocation, EngineLoader, EngineOutput, InferenceEngine } from "./inference-engine.js";
import { MicroBatcher, type MicroBatchOptions } from "./micro-batcher.js";
import { openSession } from "./ort-session.js";
import { OrtWorker } from "./ort-worker.js";

/**
 * Session options for latency: full graph optimisation, all cores, memory arena and pattern reuse.
 * @example
 * const session = await ort.InferenceSession.create(bytes, onnxSessionOptions(2));
 */
export function onnxSessionOptions(threads = availableParallelism()): InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
  };
}

export interface OnnxEngineOptions {
  /** @default onnxSessionOptions() */
  session?: InferenceSession.SessionOptions;
  /** @default { maxBatch: 8, maxWaitMs: 2 } */
  batching?: MicroBatchOptions;
}

class OnnxEngine implements InferenceEngine {
  readonly kind = "onnx" as const;
  private readonly batcher: MicroBatcher;

  constructor(
    private readonly worker: OrtWorker,
    private readonly modelBytes: number,
    batching: MicroBatchOptions = {},
  ) {
    this.batcher = new MicroBatcher((x, n, size) => this.worker.run(x, n, size), batching);
  }

  get stats(): { runs: number; images: number } {
    return { ...this.batcher.stats };
  }

  run(batch: Float32Array, n: number, size: number): Promise<EngineOutput> {
    try {
      checkBatch(batch, n, size, this.worker.channels);
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
    await this.worker.release();
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
  const worker = await OrtWorker.open(bytes, options.session ?? onnxSessionOptions());
  return new OnnxEngine(worker, size, options.batching);
}

/**
 * Loads `<prefix>model.onnx` from the store through the ORT-format cache (`ort-session.ts`).
 * @example
 * const engine = await onnxLoader.load({ store, prefix: "models/flowers/v1/" });
 */
export const onnxLoader: EngineLoader = {
  kind: "onnx",
  async load(location: ArtifactsLocation): Promise<InferenceEngine> {
    const { worker, byteLength } = await openSession(location, onnxSessionOptions());
    return new OnnxEngine(worker, byteLength);
  },
};
