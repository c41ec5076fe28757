/**
 * The environment variables this stack hands to the code it runs. `functions/` and the `residual worker` read these
 * names; cdk/README.md documents them. Changing a name here is a breaking change for both.
 */
export const ENV = {
  /** Data bucket name (all Lambdas and the trainer). */
  bucket: "RESIDUAL_BUCKET",
  /** Batch job queue ARN (dispatcher). */
  jobQueue: "RESIDUAL_JOB_QUEUE",
  /** Batch job definition ARN, with revision (dispatcher). */
  jobDefinition: "RESIDUAL_JOB_DEFINITION",
  /** Megabytes of decoded models the serving Lambdas may keep in memory between invocations. */
  modelCacheMb: "RESIDUAL_MODEL_CACHE_MB",
  /** Where ONNX Runtime sessions run in the serving Lambdas: `main` (one request at a time: no worker thread hop). */
  ortThread: "RESIDUAL_ORT_THREAD",
  /** Job id, set per job by the dispatcher through container overrides (trainer). */
  jobId: "RESIDUAL_JOB_ID",
  /** Key of the uploaded archive or `residual.json` marker, set per job by the dispatcher (trainer). */
  datasetKey: "RESIDUAL_DATASET_KEY",
  /** tfjs backend the trainer uses: `tensorflow` (tfjs-node-gpu) in the container. */
  backend: "RESIDUAL_BACKEND",
  /** Root of the persistent CUDA JIT cache; the trainer image's entrypoint derives `CUDA_CACHE_PATH` from it (trainer). */
  cudaCacheRoot: "RESIDUAL_CUDA_CACHE_ROOT",
  /** Powertools service name, one per function. */
  serviceName: "POWERTOOLS_SERVICE_NAME",
  /** Powertools metrics namespace. */
  metricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
  /** Powertools log level. */
  logLevel: "POWERTOOLS_LOG_LEVEL",
} as const;

/**
 * Exit codes of `residual worker` that the Batch retry strategy tells apart. Anything else fails the job without
 * a retry (a bug does not get better by running it again on a GPU).
 */
export const WORKER_EXIT_CODES = {
  /** The job finished and published a model. */
  ok: 0,
  /** Permanent: bad dataset or bad job spec (`DatasetError`, `InvalidInputError`); never retried. */
  permanent: 3,
  /** Transient infrastructure trouble (`TransientError`, sysexits EX_TEMPFAIL); retried from the last checkpoint. */
  transient: 75,
} as const;

/** The metrics namespace the Lambdas publish to and the alarms read from. */
export const METRICS_NAMESPACE = "Residual";
