// Inference engines: the seam (onnx | tfjs) and the one place that opens one.
export type {
  ArtifactsLocation,
  EngineChoice,
  EngineKind,
  EngineOutput,
  InferenceEngine,
  ModelArtifacts,
} from "./inference-engine.js";
export { ENGINE_KINDS } from "./inference-engine.js";
export type { BatchRunner, MicroBatchOptions } from "./micro-batcher.js";
export { MicroBatcher } from "./micro-batcher.js";
export type { OnnxEngineOptions } from "./onnx-engine.js";
export { createOnnxEngine, openOnnxEngine } from "./onnx-engine.js";
export { openEngine } from "./open-engine.js";
export { OrtInline } from "./ort/ort-inline.js";
export type { OrtRunner, OrtThread } from "./ort/ort-runner.js";
export { ORT_THREADS, openRunner } from "./ort/ort-runner.js";
export type { LoadedSession } from "./ort/ort-session.js";
export { openOrtSession, optimizedModelKey, ortVersion } from "./ort/ort-session.js";
export { OrtWorker } from "./ort/ort-worker.js";
export { onnxSessionOptions } from "./ort/session-options.js";
export { SerialQueue } from "./serial-queue.js";
export { createTfjsEngine, loadTfjsModel } from "./tfjs-engine.js";
