/**
 * ONNX Runtime engine (the serving default): one InferenceSession per model, tuned for CPU serving, and runs
 * serialised per session, because intra-op threads already use every core and concurrent runs only fight.
 */
import { availableParallelism } from "node:os";
import ort from "onnxruntime-node";
import { InvalidInputError } from "../errors.js";
import { checkBatch } from "./check-batch.js";
import type { ArtifactsLocation, EngineLoader, EngineOutput, InferenceEngine } from "./inference-engine.js";
import { SerialQueue } from "./serial-queue.js";

/** Session options for latency: full graph optimisation, all cores, memory arena and pattern reuse. */
export function onnxSessionOptions(threads = availableParallelism()): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
  };
}

class OnnxEngine implements InferenceEngine {
  readonly kind = "onnx" as const;
  private readonly queue = new SerialQueue();

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly modelBytes: number,
    private readonly channels: number,
  ) {}

  async run(batch: Float32Array, n: number, size: number): Promise<EngineOutput> {
    checkBatch(batch, n, size, this.channels);
    return this.queue.add(async () => {
      const input = new ort.Tensor("float32", batch, [n, size, size, this.channels]);
      const out = await this.session.run({ input });
      const features = out.features;
      const logits = out.logits;
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
    });
  }

  memoryBytes(): number {
    // Weights are held once by ORT after optimisation; the arena for activations is roughly the same order.
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
  options: ort.InferenceSession.SessionOptions = onnxSessionOptions(),
): Promise<InferenceEngine> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, options);
  } catch (err) {
    throw new InvalidInputError("invalid_model_file", `cannot load ONNX model: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const channels = inputChannels(session);
  return new OnnxEngine(session, bytes.byteLength, channels);
}

function inputChannels(session: ort.InferenceSession): number {
  const meta = session.inputMetadata?.[0];
  const shape = meta && "shape" in meta ? meta.shape : undefined;
  const last = shape?.[3];
  return typeof last === "number" ? last : 3;
}

/** Loads `<prefix>model.onnx` from the store. */
export const onnxLoader: EngineLoader = {
  kind: "onnx",
  async load(location: ArtifactsLocation): Promise<InferenceEngine> {
    return createOnnxEngine(await location.store.get(`${location.prefix}model.onnx`));
  },
};
