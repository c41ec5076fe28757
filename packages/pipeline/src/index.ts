// Public API of @residual/pipeline. Explicit exports only; add new ones here with a one-line edit.

export { ENV_VARS, type EnvName, type EnvVar, PROCESS_KINDS, type ProcessKind } from "./config/env-vars.js";
export * from "./config/load-config.js";
export { dHash, findNearDuplicates, hamming } from "./dataset/dhash.js";
export { labelsJson, sortClasses } from "./dataset/labels.js";
export { disposeDataset, loadDataset } from "./dataset/load-dataset.js";
export { type ManifestRow, parseManifest } from "./dataset/manifest.js";
export {
  type DatasetOptions,
  type DatasetOptionsInput,
  DatasetOptionsSchema,
  resolveDatasetOptions,
} from "./dataset/options.js";
export { isHiddenPath, safeEntryPath } from "./dataset/paths.js";
export { stratifiedSplit } from "./dataset/split.js";
export type {
  Candidate,
  Dataset,
  DatasetReport,
  DatasetWarning,
  Sample,
  SampleRef,
  SkippedFile,
  SkipReason,
} from "./dataset/types.js";
export { readRef } from "./dataset/validate.js";
export * from "./engine/index.js";
export type { ErrorIssue, ResidualErrorOptions } from "./errors.js";
export {
  ConflictError,
  DatasetError,
  formatIssues,
  InvalidInputError,
  isResidualError,
  NotFoundError,
  PayloadTooLargeError,
  ResidualError,
  TransientError,
  UnsupportedMediaTypeError,
  zodIssues,
} from "./errors.js";
export type { DatasetEvent, IgnoredReason, ParsedMessage } from "./jobs/dataset-event.js";
export {
  ARCHIVE_SUFFIXES,
  classifyKey,
  DATASET_PREFIX,
  MARKER_FILE,
  parseDatasetMessage,
} from "./jobs/dataset-event.js";
export { scanDatasets, type WatcherOptions, watchDatasets } from "./jobs/dataset-watcher.js";
export type { BatchSubmitterOptions, DispatchResult, JobSubmitter } from "./jobs/dispatcher.js";
export { batchSubmitter, CONTAINER_ENV, dispatchMessage } from "./jobs/dispatcher.js";
export { datasetName, jobIdFor } from "./jobs/job-id.js";
export { JobLog } from "./jobs/job-log.js";
export type { JobContext, JobOutcome, JobRunner } from "./jobs/job-runner.js";
export type { JobProgress, JobState, JobStatus } from "./jobs/job-status.js";
export {
  claimJob,
  JOB_STATES,
  jobStatusSchema,
  listJobs,
  readJobDocument,
  readJobStatus,
  updateJobStatus,
} from "./jobs/job-status.js";
export {
  checkpointPrefix,
  JOB_ID_PATTERN,
  JOBS_PREFIX,
  jobPrefix,
  logKey,
  reportKey,
  statusKey,
  validateJobId,
} from "./jobs/keys.js";
export { type TrainingRunnerOptions, trainingJobRunner } from "./jobs/training-runner.js";
export { type UploadResult, uploadDataset } from "./jobs/upload.js";
export type { JobRunResult, WorkerOptions } from "./jobs/worker.js";
export { handleMessage, runJob, runQueueWorker } from "./jobs/worker.js";
export { type Batch, iterateBatches, type LoaderOptions } from "./loader/batch-loader.js";
export {
  CACHE_PREFIX,
  type CacheIndex,
  type CacheVariant,
  cacheDir,
  cacheVariant,
} from "./loader/cache-index.js";
export { type CompileCacheOptions, compileDatasetCache } from "./loader/compile-cache.js";
export {
  type CacheStats,
  type CacheWarning,
  type DatasetCache,
  ensureDatasetCache,
  type OpenCacheOptions,
  openDatasetCache,
} from "./loader/dataset-cache.js";
export * from "./local/index.js";
export { type AugmentJob, augmentInline } from "./preprocess/augment/augment.js";
export { type CropResizeInput, cropResize } from "./preprocess/augment/augment-kernel.js";
export {
  type ColorJitterOptions,
  drawJitter,
  type JitterDraw,
} from "./preprocess/color-jitter.js";
export type { ImageHeader, ImageInput, ImageSize, RawImage } from "./preprocess/decode.js";
export { decodeResized } from "./preprocess/decode-resized.js";
export type { ImageErrorCode } from "./preprocess/errors.js";
export { ImageDecodeError, ImageTooLargeError, toImageError } from "./preprocess/errors.js";
export type { EvalOptions } from "./preprocess/eval.js";
export { centerCropOffsets, preprocessEval, preprocessEvalRaw, resizedSize } from "./preprocess/eval.js";
export type { Rng } from "./preprocess/random.js";
export { createRng, permutation } from "./preprocess/random.js";
export { randomResizedCropBox } from "./preprocess/random-resized-crop.js";
export type { Interpolation, PreprocessSpec, PreprocessSpecInput } from "./preprocess/spec.js";
export {
  PreprocessSpecSchema,
  resolvePreprocessSpec,
} from "./preprocess/spec.js";
export type { TrainAugment } from "./preprocess/train.js";
export { DEFAULT_TRAIN_AUGMENT, preprocessTrain, TrainAugmentSchema } from "./preprocess/train.js";
export { type HeartbeatOptions, heartbeat } from "./queue/heartbeat.js";
export type { JobQueue, QueueMessage, ReceiveOptions } from "./queue/job-queue.js";
export { LocalQueue, type LocalQueueOptions } from "./queue/local-queue.js";
export { type OpenQueueOptions, openQueue } from "./queue/open-queue.js";
export { SqsQueue, type SqsQueueConfig } from "./queue/sqs-queue.js";
export * from "./registry/index.js";
export * from "./server/index.js";
export * from "./serving/index.js";
export { MODEL_JSON_KEY, objectStoreIOHandler, SHARD_BYTES } from "./store/io-handler.js";
export { assertValidKey, assertValidPrefix, compareKeys } from "./store/keys.js";
export { LocalObjectStore } from "./store/local-object-store.js";
export type { ListPage, ObjectInfo, ObjectStore, PutOptions } from "./store/object-store.js";
export { type OpenObjectStoreOptions, openObjectStore } from "./store/open-object-store.js";
export type { S3ObjectStoreConfig } from "./store/s3-config.js";
export { S3ObjectStore } from "./store/s3-object-store.js";
export { parseS3Url, type S3Location } from "./store/s3-url.js";
export * from "./train/index.js";
