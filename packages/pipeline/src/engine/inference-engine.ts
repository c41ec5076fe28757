/**
 * The inference-engine seam: ONNX Runtime (serving default) or TensorFlow.js, chosen in `create-engine.ts`.
 * Engines take normalised float32 NHWC batches and return pooled features and logits as plain arrays, so nothing
 * above this seam ever holds a tensor.
 */
import type { ObjectStore } from "../store/object-store.js";

export const ENGINE_KINDS = ["onnx", "tfjs"] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/** Where a model's artefacts live: `model.onnx` and/or `model.json` + shards under `prefix`. */
export interface ArtifactsLocation {
  store: ObjectStore;
  /** Key prefix ending in `/` (`models/flowers/<version>/`, `backbones/resnet50.tv2_in1k/`). */
  prefix: string;
}

export interface EngineOutput {
  /** `[n, featureDim]` row-major. */
  features: Float32Array;
  /** `[n, numClasses]` row-major. */
  logits: Float32Array;
  featureDim: number;
  numClasses: number;
}

/** A loaded model. Runs may be issued concurrently; engines serialise or batch internally as they need. */
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

/** Loads artefacts into an engine of one kind. */
export interface EngineLoader {
  readonly kind: EngineKind;
  load(location: ArtifactsLocation): Promise<InferenceEngine>;
}
