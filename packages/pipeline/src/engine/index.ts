// Inference engines: the seam (onnx | tfjs) and the one place that picks one.
export { engineKindFromEnv, loadEngine } from "./create-engine.js";
export type {
  ArtifactsLocation,
  EngineKind,
  EngineLoader,
  EngineOutput,
  InferenceEngine,
} from "./inference-engine.js";
export { ENGINE_KINDS } from "./inference-engine.js";
export type { BatchRunner, MicroBatchOptions } from "./micro-batcher.js";
export { MicroBatcher } from "./micro-batcher.js";
export type { OnnxEngineOptions } from "./onnx-engine.js";
export { createOnnxEngine, createOnnxLoader, onnxLoader, onnxSessionOptions } from "./onnx-engine.js";
export { OrtInline } from "./ort-inline.js";
export type { OrtRunner, OrtThread } from "./ort-runner.js";
export { ORT_THREADS, ortThreadFromEnv } from "./ort-runner.js";
export type { LoadedSession } from "./ort-session.js";
export { openRunner, openSession, optimizedModelKey, ortVersion } from "./ort-session.js";
export { OrtWorker } from "./ort-worker.js";
export { SerialQueue } from "./serial-queue.js";
export { createTfjsEngine, tfjsLoader } from "./tfjs-engine.js";
