/**
 * The environment this stack hands to the code it runs, named from the pipeline's one contract
 * (`@residual/pipeline/config`, `packages/pipeline/src/config/env-vars.ts`): every name here is a variable some
 * reader parses, and test/cdk/env-contract.test.ts checks that each deployment's environment parses as its
 * process kind. cdk/README.md documents them.
 */
import { ENV_VARS, type EnvName, type ProcessKind } from "@residual/pipeline/config";

/** A contract name, checked when the stack module loads (a typo is a type error first). */
function contract<N extends EnvName>(name: N): N {
  if (!(name in ENV_VARS)) throw new Error(`${name} is not in the pipeline's environment contract`);
  return name;
}

/**
 * The variables the stack sets.
 * @example
 * environment: { [ENV.bucket]: bucket.bucketName }
 */
export const ENV = {
  /** Data bucket name (all Lambdas and the trainer). */
  bucket: contract("RESIDUAL_BUCKET"),
  /** Batch job queue ARN (dispatcher). */
  jobQueue: contract("RESIDUAL_JOB_QUEUE"),
  /** Batch job definition ARN, with revision (dispatcher). */
  jobDefinition: contract("RESIDUAL_JOB_DEFINITION"),
  /** Megabytes of decoded models the serving Lambdas may keep in memory between invocations. */
  modelCacheMb: contract("RESIDUAL_MODEL_CACHE_MB"),
  /** Models the serving Lambdas load at start (`default`: the default backbone), comma-separated. */
  preload: contract("RESIDUAL_PRELOAD"),
  /** Where ONNX Runtime sessions run in the serving Lambdas: `main` (one request at a time: no worker thread hop). */
  ortThread: contract("RESIDUAL_ORT_THREAD"),
  /** tfjs backend the trainer uses: `tensorflow` (tfjs-node-gpu) in the container. */
  backend: contract("RESIDUAL_BACKEND"),
  /** Most GiB one dataset archive may write to the job's disk (trainer). */
  maxExtractGib: contract("RESIDUAL_MAX_EXTRACT_GIB"),
  /** Root of the persistent CUDA JIT cache; the trainer image's entrypoint derives `CUDA_CACHE_PATH` from it (trainer). */
  cudaCacheRoot: contract("RESIDUAL_CUDA_CACHE_ROOT"),
  /** Powertools service name, one per function. */
  serviceName: contract("POWERTOOLS_SERVICE_NAME"),
  /** Powertools log level. */
  logLevel: contract("POWERTOOLS_LOG_LEVEL"),
} as const;

/**
 * The process kind of each thing the stack runs, whose part of the contract its environment must satisfy.
 * @example
 * DEPLOYED_KINDS.dispatch; // "dispatcher"
 */
export const DEPLOYED_KINDS = {
  embed: "api",
  classify: "api",
  jobs: "api",
  bulk: "api",
  "bulk-manifest": "api",
  dispatch: "dispatcher",
  "seed-backbones": "worker",
  trainer: "worker",
} as const satisfies Record<string, ProcessKind>;

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
