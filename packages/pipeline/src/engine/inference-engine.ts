/**
 * The inference-engine seam: ONNX Runtime (serving default) or TensorFlow.js, opened in `open-engine.ts` as the
 * serving core's {@link EngineChoice} (made once, when the core is built) says.
 * Engines take normalised float32 NHWC batches and return pooled features and logits as plain arrays, so nothing
 * above this seam ever holds a tensor.
 */
import type { BackendName } from "@residual/resnet";
import type { ObjectInfo, ObjectStore } from "../store/object-store.js";
import type { OrtThread } from "./ort/ort-runner.js";

/**
 * The engines there are.
 * @example
 * ENGINE_KINDS.includes("tfjs"); // true
 */
export const ENGINE_KINDS = ["onnx", "tfjs"] as const;
/**
 * One of {@link ENGINE_KINDS}.
 * @example
 * const kind: EngineKind = "onnx";
 */
export type EngineKind = (typeof ENGINE_KINDS)[number];

/**
 * How a process runs its models, decided once (its configuration) and handed to every load.
 * @example
 * const choice: EngineChoice = { kind: "onnx", ortThread: "main" };
 */
export interface EngineChoice {
  kind: EngineKind;
  /** Where ONNX Runtime sessions run. */
  ortThread: OrtThread;
  /** The tfjs backend of the tfjs engine and of exporting a tfjs-only model to ONNX. */
  backend?: { backend?: BackendName; threads?: number };
}

/**
 * Where a model's artefacts live: `model.onnx` and/or `model.json` + shards under `prefix`.
 * @example
 * const location: ArtifactsLocation = { store, prefix: "models/flowers/v1/" };
 */
export interface ArtifactsLocation {
  store: ObjectStore;
  /** Key prefix ending in `/` (`models/flowers/<version>/`, `backbones/resnet50.tv2_in1k/`). */
  prefix: string;
}

/**
 * A location whose artefacts were already looked at (by resolving the model): `model.onnx`'s description when
 * it exists, and whether `model.json` does. Loading needs no further HEAD of either.
 * @example
 * const model: ModelArtifacts = { store, prefix, onnx: await store.head(`${prefix}model.onnx`), hasTfjs: true };
 */
export interface ModelArtifacts extends ArtifactsLocation {
  onnx?: ObjectInfo;
  hasTfjs: boolean;
}

/**
 * One run's outputs, row-major.
 * @example
 * const { features, featureDim } = await engine.run(batch, 1, 224);
 */
export interface EngineOutput {
  /** `[n, featureDim]` row-major. */
  features: Float32Array;
  /** `[n, numClasses]` row-major. */
  logits: Float32Array;
  featureDim: number;
  numClasses: number;
}

/**
 * A loaded model. Runs may be issued concurrently; engines serialise or batch internally as they need.
 * @example
 * const out = await engine.run(batch, n, 224); await engine.dispose();
 */
export interface InferenceEngine {
  readonly kind: EngineKind;
  /**
   * Run `n` images: `batch` is `[n, size, size, channels]` NHWC float32, normalised.
   * The caller owns the returned arrays.
   */
  run(batch: Float32Array, n: number, size: number): Promise<EngineOutput>;
  /** Model runs so far and the images they carried (micro-batching groups requests; tests read the ratio). */
  readonly stats?: { readonly runs: number; readonly images: number };
  /** Estimated resident bytes (weights plus working memory), for the model cache's budget. */
  memoryBytes(): number;
  dispose(): Promise<void>;
}
