// Public API of @residual/pipeline: an explicit list, grouped by folder. What only tests and benchmarks need is
// in `@residual/pipeline/testing`; the API Lambdas use `/serving`, the dispatcher `/dispatch`, the CDK app
// `/config` and `/routes`. ARCHITECTURE.md says which module knows what.

export { bulkSource } from "./bulk/bulk-location.js";
export { type BulkManifest, writeBulkManifest } from "./bulk/bulk-manifest.js";
export { type BulkSpec, parseBulkBatchEvent, parseBulkSpec } from "./bulk/bulk-spec.js";
export { decodeInventoryKey, readManifestItems } from "./bulk/manifest-items.js";
export type { BulkFailure, PartSummary } from "./bulk/part-summary.js";
export { type BulkItem, runBulkBatch } from "./bulk/run-bulk-batch.js";
export { type LocalBulkOptions, runBulkLocal } from "./bulk/run-bulk-local.js";
export type { ProcessKind } from "./config/env-vars.js";
export { type Config, loadConfig, servingCoreOptions, storeLocation } from "./config/load-config.js";
export { disposeDataset, loadDataset } from "./dataset/load-dataset.js";
export type { DatasetOptionsInput } from "./dataset/options.js";
export type { Dataset, DatasetReport, Sample } from "./dataset/types.js";
export type { EngineKind, InferenceEngine } from "./engine/inference-engine.js";
export { createOnnxEngine } from "./engine/onnx-engine.js";
export { openEngine } from "./engine/open-engine.js";
export {
  ConflictError,
  DatasetError,
  type ErrorIssue,
  ForbiddenError,
  InvalidInputError,
  isResidualError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  ResidualError,
  TransientError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from "./errors.js";
export { watchDatasets } from "./jobs/dataset-watcher.js";
export { batchSubmitter, dispatchMessage } from "./jobs/dispatcher.js";
export {
  onlyOwnBucket,
  type StoreForBucket,
  servingEventBuckets,
  storeBucketName,
} from "./jobs/event-bucket.js";
export { jobIdFor } from "./jobs/job-id.js";
export type { JobContext, JobOutcome, JobRunner } from "./jobs/job-runner.js";
export { claimJob, type JobStatus, listJobs, readJobStatus } from "./jobs/job-status.js";
export { configuredTrainingRunner, threadedTrainingRunner } from "./jobs/job-thread.js";
export { trainingJobRunner } from "./jobs/training-runner.js";
export { uploadDataset } from "./jobs/upload.js";
export { handleMessage, runJob, runQueueWorker } from "./jobs/worker.js";
export { type Batch, iterateBatches, type LoaderOptions } from "./loader/batch-loader.js";
export { type DatasetCache, ensureDatasetCache } from "./loader/dataset-cache.js";
export { ApiClient } from "./local/api-client.js";
export { resolveMode } from "./local/pipeline-mode.js";
export { runDemo } from "./local/run-demo.js";
export { startPipeline } from "./local/start-pipeline.js";
export { type LineLogger, type LogFormat, lineLogger } from "./log/line-logger.js";
export { METRIC_NAMES, METRICS, processMetrics } from "./metrics/process-metrics.js";
export { MetricsRegistry } from "./metrics/registry.js";
export { ImageDecodeError, ImageFormatError, ImageTooLargeError } from "./preprocess/errors.js";
export { preprocessEval } from "./preprocess/eval.js";
export {
  ALLOWED_IMAGE_FORMATS,
  assertAllowedImage,
  endsEarly,
  type SniffedFormat,
  sniffImageFormat,
} from "./preprocess/image-format.js";
export { createRng } from "./preprocess/random.js";
export { type PreprocessSpec, resolvePreprocessSpec } from "./preprocess/spec.js";
export { preprocessTrain } from "./preprocess/train.js";
export {
  addPrototypeExamples,
  type CreatePrototypesOptions,
  createPrototypeModel,
} from "./prototypes/prototype-model.js";
export type { JobQueue, QueueMessage } from "./queue/job-queue.js";
export { LocalQueue } from "./queue/local-queue.js";
export { openQueue } from "./queue/open-queue.js";
export { SqsQueue } from "./queue/sqs-queue.js";
export { parseModelRef } from "./registry/model-ref.js";
export { type PromotedBackbone, promoteToBackbone } from "./registry/promote-backbone.js";
export { publishModel } from "./registry/publish-model.js";
export { describeModel, listModels, type ResolvedModel, resolveModel } from "./registry/read-model.js";
export { DEFAULT_BACKBONE, resolveBackbone } from "./registry/resolve-backbone.js";
export {
  putBackboneDir,
  type SeedBackbonesOptions,
  type SeededBackbone,
  seedBackbones,
} from "./registry/seed-backbones.js";
export { createApp } from "./server/create-app.js";
export { type Exposure, isLoopbackHost, resolveExposure } from "./server/exposure.js";
export { type RunningServer, type StartServerOptions, startServer } from "./server/start-server.js";
export { errorResponse } from "./serving/api/error-response.js";
export { openApiDocument } from "./serving/api/openapi.js";
export { ROUTES } from "./serving/api/routes.js";
export { ServingCore, type ServingCoreOptions } from "./serving/serving-core.js";
export { objectStoreIOHandler } from "./store/io-handler.js";
export { LocalObjectStore } from "./store/local-object-store.js";
export type { ListPage, ObjectInfo, ObjectStore, PutOptions } from "./store/object-store.js";
export { type OpenObjectStoreOptions, openObjectStore } from "./store/open-object-store.js";
export type { S3ObjectStoreConfig } from "./store/s3-config.js";
export { S3ObjectStore } from "./store/s3-object-store.js";
export { parseS3Url } from "./store/s3-url.js";
export { type ImageSet, inMemoryImageSet, type TrainingData } from "./train/image-sets.js";
export { type JobRequest, type JobSpec, parseJobRequest, parseJobSpec } from "./train/job-spec.js";
export { runTraining } from "./train/loop/run-training.js";
export type { TrainingProgress } from "./train/loop/training-types.js";
export { runTrainingJob, type TrainingJobOptions, type TrainingJobResult } from "./train/run-training-job.js";
export type { Lineage } from "./train/starting-model.js";
export { translateError } from "./translate-error.js";
