/**
 * ONNX Runtime engine (the serving default): one InferenceSession per model behind a micro-batcher. onnxruntime-node
 * runs on the main thread and its intra-op threads already use every core, so runs never overlap; instead, requests
 * that arrive during a run are grouped into the next one (see `micro-batcher.ts`).
 */
import { availableParallelism } from "node:os";
import type { InferenceSession } from "onnxruntime-node";
import { InvalidInputError } from "../errors.js";
import { checkBatch } from "./check-batch.js";
import type { ArtifactsLocation, EngineLoader, EngineOutput, InferenceEngine } from "./inference-engine.js";
import { MicroBatcher, type MicroBatchOptions } from "./micro-batcher.js";
import { loadOrt, openSession } from "./ort-session.js";

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

type Ort = Awaited<ReturnType<typeof loadOrt>>;

class OnnxEngine implements InferenceEngine {
  readonly kind = "onnx" as const;
  private readonly batcher: MicroBatcher;

  constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    // Held so the session's weights stay alive: an ORT-format session reads them from this buffer.
    private readonly bytes: Uint8Array,
    private readonly channels: number,
    batching: MicroBatchOptions = {},
  ) {
    this.batcher = new MicroBatcher((x, n, size) => this.runBatch(x, n, size), batching);
  }

  get stats(): { runs: number; images: number } {
    return { ...this.batcher.stats };
  }

  run(batch: Float32Array, n: number, size: number): Promise<EngineOutput> {
    try {
      checkBatch(batch, n, size, this.channels);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.batcher.run(batch, n, size);
  }

  /** One ORT run; the input tensor wraps `batch` (no copy), outputs are ORT's own copies, handed over as-is. */
  private async runBatch(batch: Float32Array, n: number, size: number): Promise<EngineOutput> {
    const input = new this.ort.Tensor("float32", batch, [n, size, size, this.channels]);
    const out = await this.session.run({ input });
    const { features, logits } = out;
    if (!features || !logits) {
      throw new InvalidInputError(
        "invalid_model_file",
        "ONNX model must have outputs `features` and `logits`",
      );
    }
    return {
      features: features.data as Float32Array,
      logits: logits.data as Float32Array,
      featureDim: features.dims[1] ?? 0,
      numClasses: logits.dims[1] ?? 0,
    };
  }

  memoryBytes(): number {
    // Weights are held once (in `bytes` or ORT's copy); the arena for activations is roughly the same order.
    return this.bytes.byteLength * 2;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function inputChannels(session: InferenceSession): number {
  const meta = session.inputMetadata?.[0];
  const shape = meta && "shape" in meta ? meta.shape : undefined;
  const last = shape?.[3];
  return typeof last === "number" ? last : 3;
}

async function engineFor(
  session: InferenceSession,
  bytes: Uint8Array,
  batching?: MicroBatchOptions,
): Promise<InferenceEngine> {
  return new OnnxEngine(await loadOrt(), session, bytes, inputChannels(session), batching);
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
  const ort = await loadOrt();
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, options.session ?? onnxSessionOptions());
  } catch (err) {
    throw new InvalidInputError("invalid_model_file", `cannot load ONNX model: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return engineFor(session, bytes, options.batching);
}

/**
 * Loads `<prefix>model.onnx` from the store through the ORT-format cache (`ort-session.ts`).
 * @example
 * const engine = await onnxLoader.load({ store, prefix: "models/flowers/v1/" });
 */
export const onnxLoader: EngineLoader = {
  kind: "onnx",
  async load(location: ArtifactsLocation): Promise<InferenceEngine> {
    const { session, bytes } = await openSession(location, onnxSessionOptions());
    return engineFor(session, bytes);
  },
};
