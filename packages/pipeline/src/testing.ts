// `@residual/pipeline/testing`: the internals the tests and benchmarks exercise directly (kernels, the training
// loop's parts, caches, runners), beside the public API. No stability promise: names follow the code.

export { datasetProfile } from "./dataset/dataset-profile.js";
export { DHASH_FULL_DECODE_SIDE, dHash, dHashOfGrey, hamming } from "./dataset/dhash.js";
export { decodeTarName } from "./dataset/tar-names.js";
export type { EngineOutput } from "./engine/inference-engine.js";
export { MicroBatcher } from "./engine/micro-batcher.js";
export { openOnnxEngine } from "./engine/onnx-engine.js";
export { OrtInline } from "./engine/ort/ort-inline.js";
export type { OrtThread } from "./engine/ort/ort-runner.js";
export {
  type LoadedSession,
  openOrtSession,
  optimizedModelKey,
  ortVersion,
} from "./engine/ort/ort-session.js";
export { OrtWorker } from "./engine/ort/ort-worker.js";
export { onnxSessionOptions } from "./engine/ort/session-options.js";
export { createTfjsEngine } from "./engine/tfjs-engine.js";
export { classifyKey, parseDatasetMessage } from "./jobs/dataset-event.js";
export { scanDatasets } from "./jobs/dataset-watcher.js";
export { CONTAINER_ENV } from "./jobs/dispatcher.js";
export { datasetName } from "./jobs/job-id.js";
export { updateJobStatus } from "./jobs/job-status.js";
export { JOB_ID_PATTERN } from "./jobs/keys.js";
export { type CacheIndex, cacheDir, cacheVariant } from "./loader/cache-index.js";
export { compileDatasetCache } from "./loader/compile-cache.js";
export { type CacheWarning, openDatasetCache } from "./loader/dataset-cache.js";
export { writeDatasetArchive, writeDatasetFolder } from "./local/dataset-archive.js";
export { startBanner } from "./local/start-banner.js";
export { renderShape, SHAPE_CLASSES, shapesDatasetFiles } from "./local/synthetic-shapes.js";
export { progressLine, withTerminalProgress } from "./local/terminal-progress.js";
export { runWorkerLoop } from "./local/worker-loop.js";
export { type AugmentJob, augmentInline, augmentInto } from "./preprocess/augment/augment.js";
export {
  augmentModule,
  type CropResizeInput,
  cropResize,
  cropResizeWasm,
  instantiateAugment,
  mainThreadKernel,
} from "./preprocess/augment/augment-kernel.js";
export { AugmentPool, allocBatch } from "./preprocess/augment/augment-pool.js";
export { AUGMENT_WASM_BASE64 } from "./preprocess/augment/augment-wasm.generated.js";
export {
  type ClampAffine,
  GREY_WEIGHTS,
  type JitterPixels,
  normTable,
  planJitter,
  saturationTables,
} from "./preprocess/augment/jitter-tables.js";
export { type ColorJitterOptions, drawJitter, type JitterDraw } from "./preprocess/color-jitter.js";
export { openImage, readHeader } from "./preprocess/decode.js";
export { decodeResized } from "./preprocess/decode-resized.js";
export { preprocessEvalRaw } from "./preprocess/eval.js";
export { randomResizedCropBox } from "./preprocess/random-resized-crop.js";
export { DEFAULT_TRAIN_AUGMENT, TrainAugmentSchema } from "./preprocess/train.js";
export { heartbeat } from "./queue/heartbeat.js";
export { buildBundle } from "./server/build-bundle.js";
export { ModelCache } from "./serving/model-cache.js";
export { classifyRows, embeddingRows, softmax } from "./serving/shape-results.js";
export { assertValidKey, assertValidPrefix, compareKeys } from "./store/keys.js";
export { type EpochRecord, readLatestManifest } from "./train/checkpoints/checkpoint.js";
export type { ScheduleSpec } from "./train/job-spec.js";
export { resolveFreezePhases } from "./train/loop/freeze-phases.js";
export { GroupOptimizer } from "./train/loop/group-optimizer.js";
export { smoothedCrossEntropy } from "./train/loop/loss.js";
export { learningRate, stepLearningRate } from "./train/loop/lr-schedule.js";
export { withFallback } from "./train/prefix-cache/fallback-runner.js";
export { createOnnxPrefixRunner } from "./train/prefix-cache/onnx-prefix-runner.js";
export { PrefixCache } from "./train/prefix-cache/prefix-cache.js";
export { createPrefixRunner } from "./train/prefix-cache/prefix-runner.js";
export { ThreadCountBandit } from "./train/prefix-cache/thread-count-bandit.js";
export { choosePretrained } from "./train/pretrained-choice.js";
export { calibrationFile, computeCentroids, quantile } from "./train/reports/centroids.js";
export { evaluateExamples } from "./train/reports/evaluate.js";
export { type LabelThreshold, labelThresholds } from "./train/reports/label-thresholds.js";
export { classificationReport, expectedCalibrationError } from "./train/reports/metrics.js";
export { type ModelCardInput, modelCard } from "./train/reports/model-card.js";
export { sampleNeighbourRows } from "./train/reports/neighbours.js";
export { fitTemperature, temperatureNll } from "./train/reports/temperature.js";
export { smallImageTrainingData } from "./train/small-image-sets.js";
