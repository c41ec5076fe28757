/**
 * ONNX Runtime engine (the serving default): one session per model behind a micro-batcher. Runs never overlap
 * (ORT's intra-op threads already use every core); requests that arrive during a run are grouped into the next
 * one. The session lives on a worker thread in a server, so HTTP and image decoding carry on during a run and fill
 * that next batch, and on the calling thread in Lambda, which has one request at a time (`ort-runner.ts`).
 */
import { availableParallelism } from "node:os";
import type { InferenceSession } from "onnxruntime-node";
import { checkBatch } from "./check-batch.js";
import type { ArtifactsLocation, EngineLoader, EngineOutput, InferenceEngine } from "./inference-engine.js";
import { MicroBatcher, type MicroBatchOptions } from "./micro-batcher.js";
import { type OrtRunner, type OrtThread, ortThreadFromEnv } from "./ort-runner.js";
import { openRunner, openSession } from "./ort-session.js";

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
  /** Where the session runs. @default ortThreadFromEnv() (`main` in Lambda, `worker` elsewhere) */
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
  const session = options.session ?? onnxSessionOptions();
  // The caller may still hold `bytes`: a worker gets a copy.
  const runner = await openRunner(bytes, session, options.thread ?? ortThreadFromEnv(), false);
  return new OnnxEngine(runner, size, options.batching);
}

/**
 * A loader for `<prefix>model.onnx` from the store through the ORT-format cache (`ort-session.ts`), sessions on
 * `thread`.
 * @example
 * const engine = await createOnnxLoader("main").load({ store, prefix: "models/flowers/v1/" });
 */
export function createOnnxLoader(thread?: OrtThread): EngineLoader {
  return {
    kind: "onnx",
    async load(location: ArtifactsLocation): Promise<InferenceEngine> {
      const { runner, byteLength } = await openSession(location, onnxSessionOptions(), thread);
      return new OnnxEngine(runner, byteLength);
    },
  };
}

/**
 * The serving loader: sessions where `RESIDUAL_ORT_THREAD` (or the Lambda default) puts them, read at each load.
 * @example
 * const engine = await onnxLoader.load({ store, prefix: "models/flowers/v1/" });
 */
export const onnxLoader: EngineLoader = {
  kind: "onnx",
  load: (location) => createOnnxLoader(ortThreadFromEnv()).load(location),
};
