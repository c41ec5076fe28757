// Public API of @residual/pipeline. Explicit exports only; add new ones here with a one-line edit.
export type { ErrorIssue, ResidualErrorOptions } from "./errors.js";
export {
  ConflictError,
  DatasetError,
  InvalidInputError,
  isResidualError,
  NotFoundError,
  PayloadTooLargeError,
  ResidualError,
  TransientError,
  UnsupportedMediaTypeError,
} from "./errors.js";
export type { ListPage, ObjectInfo, ObjectStore, PutOptions } from "./store/object-store.js";
export * from "./registry/index.js";
export { LocalObjectStore } from "./store/local-object-store.js";
export { S3ObjectStore } from "./store/s3-object-store.js";
export type { S3ObjectStoreConfig } from "./store/s3-config.js";
export { assertValidKey, assertValidPrefix, compareKeys } from "./store/keys.js";
export { openObjectStore, type OpenObjectStoreOptions } from "./store/open-object-store.js";
export { parseS3Url, type S3Location } from "./store/s3-url.js";
export type { ImageErrorCode } from "./preprocess/errors.js";
export { ImageDecodeError, ImageTooLargeError, toImageError } from "./preprocess/errors.js";
export type { Interpolation, PreprocessSpec, PreprocessSpecInput } from "./preprocess/spec.js";
export { IMAGENET_MEAN, IMAGENET_STD, PreprocessSpecSchema, resolvePreprocessSpec } from "./preprocess/spec.js";
export type { ImageHeader, ImageInput, ImageSize, RawImage } from "./preprocess/decode.js";
export type { EvalOptions } from "./preprocess/eval.js";
export { centerCropOffsets, preprocessEval, preprocessEvalRaw, resizedSize } from "./preprocess/eval.js";
export type { TrainAugment } from "./preprocess/train.js";
export { DEFAULT_TRAIN_AUGMENT, preprocessTrain, TrainAugmentSchema } from "./preprocess/train.js";
export type { Rng } from "./preprocess/random.js";
export { createRng, permutation } from "./preprocess/random.js";
export { randomResizedCropBox } from "./preprocess/random-resized-crop.js";
export type { JobQueue, QueueMessage, ReceiveOptions } from "./queue/job-queue.js";
export { heartbeat, type HeartbeatOptions } from "./queue/heartbeat.js";
export { LocalQueue, type LocalQueueOptions } from "./queue/local-queue.js";
export { SqsQueue, type SqsQueueConfig } from "./queue/sqs-queue.js";
export { openQueue, type OpenQueueOptions } from "./queue/open-queue.js";
export type { DatasetEvent, IgnoredReason, ParsedMessage } from "./jobs/dataset-event.js";
export { ARCHIVE_SUFFIXES, classifyKey, DATASET_PREFIX, MARKER_FILE, parseDatasetMessage } from "./jobs/dataset-event.js";
export { datasetName, JOB_ID_PATTERN, jobIdFor } from "./jobs/job-id.js";
export type { JobProgress, JobState, JobStatus } from "./jobs/job-status.js";
export { claimJob, JOB_STATES, jobStatusSchema, listJobs, readJobStatus, statusKey, updateJobStatus } from "./jobs/job-status.js";
export type { JobContext, JobOutcome, JobRunner } from "./jobs/job-runner.js";
export type { BatchSubmitterOptions, DispatchResult, JobSubmitter } from "./jobs/dispatcher.js";
export { batchSubmitter, dispatchMessage } from "./jobs/dispatcher.js";
export type { JobRunResult, WorkerOptions } from "./jobs/worker.js";
export { handleMessage, runJob, runQueueWorker } from "./jobs/worker.js";
export { type TrainingRunnerOptions, trainingJobRunner } from "./jobs/training-runner.js";
export { type UploadResult, uploadDataset } from "./jobs/upload.js";
export { scanDatasets, type WatcherOptions, watchDatasets } from "./jobs/dataset-watcher.js";
export { JobLog, logKey } from "./jobs/job-log.js";
export { MODEL_JSON_KEY, objectStoreIOHandler, SHARD_BYTES } from "./store/io-handler.js";
export type { Candidate, Dataset, DatasetReport, DatasetWarning, Sample, SampleRef, SkippedFile, SkipReason } from "./dataset/types.js";
export { DatasetOptionsSchema, resolveDatasetOptions, type DatasetOptions, type DatasetOptionsInput } from "./dataset/options.js";
export { disposeDataset, loadDataset } from "./dataset/load-dataset.js";
export { labelsJson, sortClasses } from "./dataset/labels.js";
export { readRef } from "./dataset/validate.js";
export { parseManifest, type ManifestRow } from "./dataset/manifest.js";
export { dHash, findNearDuplicates, hamming } from "./dataset/dhash.js";
export { stratifiedSplit } from "./dataset/split.js";
export { isHiddenPath, safeEntryPath } from "./dataset/paths.js";
export * from "./train/index.js";
export { type Batch, iterateBatches, type LoaderOptions } from "./loader/batch-loader.js";
export { compileDatasetCache, type CompileCacheOptions } from "./loader/compile-cache.js";
export { type CacheStats, type CacheWarning, type DatasetCache, ensureDatasetCache, openDatasetCache, type OpenCacheOptions } from "./loader/dataset-cache.js";
export { CACHE_PREFIX, cacheDir, type CacheIndex, type CacheVariant, cacheVariant } from "./loader/cache-index.js";
export { decodeResized } from "./preprocess/decode-resized.js";
export { type ColorJitterOptions, drawJitter, type JitterDraw, jitterNormalizeInto } from "./preprocess/color-jitter.js";
export * from "./engine/index.js";
export * from "./serving/index.js";
export * from "./server/index.js";
export * from "./local/index.js";
