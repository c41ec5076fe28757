/**
 * `@residual/pipeline/serving`: what the API Lambdas need, and nothing that pulls in the trainer, tfjs or the
 * SQS/Batch clients. Bundlers keep every statically imported module of an entry point, so importing the package
 * root from a handler put all of `@residual/resnet` and tfjs-core into the Lambda's init phase.
 */
export { writeBulkManifest } from "./bulk/bulk-manifest.js";
export { parseBulkBatchEvent, parseBulkSpec } from "./bulk/bulk-spec.js";
export { runBulkBatch } from "./bulk/run-bulk-batch.js";
export { type Config, loadConfig, servingCoreOptions } from "./config/load-config.js";
export { InvalidInputError, isResidualError, ResidualError } from "./errors.js";
export { METRIC_NAMES, METRICS } from "./metrics/process-metrics.js";
export {
  API_ROUTES,
  type ApiResponse,
  dispatch,
  type RouteErrorLog,
  runRoute,
} from "./serving/api/api-routes.js";
export { ServingCore } from "./serving/serving-core.js";
export { openObjectStore } from "./store/open-object-store.js";
