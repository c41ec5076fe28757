/**
 * The environment contract: every variable a Residual process reads, which process kinds read it, what it means
 * and how it is parsed. The readers (`load-config.ts`) parse only these names; the CDK stack names the variables
 * it sets through this table (`cdk/lib/env-contract.ts`), and a test holds the two to each other. Add a
 * variable here, with its reader, or nowhere.
 */
import { z } from "zod";

/**
 * The kinds of process, each parsing its own part of the environment: the HTTP API (`residual serve`, the API
 * Lambdas, one-off `embed`/`classify`), a job worker (`residual worker`, `train`, `weights`: the trainer
 * container), the dispatcher Lambda, and the whole local pipeline (`residual start`/`demo`).
 * @example
 * const kind: ProcessKind = "worker";
 */
export type ProcessKind = "api" | "worker" | "dispatcher" | "local";

/**
 * Every process kind.
 * @example
 * PROCESS_KINDS.includes("api"); // true
 */
export const PROCESS_KINDS: readonly ProcessKind[] = ["api", "worker", "dispatcher", "local"];

/**
 * One variable of the contract: its readers, its meaning, and its schema (none for variables a library reads
 * itself, like Powertools').
 * @example
 * const v: EnvVar = ENV_VARS.RESIDUAL_BUCKET;
 */
export interface EnvVar {
  readonly kinds: readonly ProcessKind[];
  readonly doc: string;
  readonly schema?: z.ZodType;
  /** Kinds that cannot run without it (its schema is optional for the others). */
  readonly requiredFor?: readonly ProcessKind[];
  /** Read by a library, not by Residual's code (documented so the stack may set it). */
  readonly readBy?: string;
}

const ALL: readonly ProcessKind[] = PROCESS_KINDS;
const SERVING: readonly ProcessKind[] = ["api", "local"];
const TRAINING: readonly ProcessKind[] = ["worker", "local"];

/** A non-empty string (empty means unset). */
const text = () => z.string().min(1).optional();

const oneOf = <T extends readonly [string, ...string[]]>(name: string, values: T) =>
  z
    .enum(values, {
      error: (i) => `${name} must be one of ${values.join(", ")}, got ${JSON.stringify(i.input)}`,
    })
    .optional();

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max).optional();

/**
 * The contract, by variable name.
 * @example
 * Object.keys(ENV_VARS).filter((n) => ENV_VARS[n as EnvName].kinds.includes("dispatcher"));
 */
export const ENV_VARS = {
  RESIDUAL_STORE: {
    kinds: ["api", "worker", "local"],
    schema: text(),
    doc: "object store location (s3://bucket[/prefix], file:///dir or a path); wins over RESIDUAL_BUCKET",
  },
  RESIDUAL_BUCKET: {
    kinds: ALL,
    schema: text(),
    requiredFor: ["dispatcher"],
    doc: "data bucket name (s3://<name>), set by the stack on every function and the trainer",
  },
  RESIDUAL_QUEUE_URL: { kinds: ["local"], schema: text(), doc: "SQS queue URL of `residual start --aws`" },
  RESIDUAL_ENGINE: {
    kinds: SERVING,
    schema: oneOf("RESIDUAL_ENGINE", ["onnx", "tfjs"]),
    doc: "inference engine (default onnx)",
  },
  RESIDUAL_ORT_THREAD: {
    kinds: SERVING,
    schema: oneOf("RESIDUAL_ORT_THREAD", ["worker", "main"]),
    doc: "where ONNX Runtime sessions run: main (Lambda default) or a worker thread (default elsewhere)",
  },
  RESIDUAL_MODEL_CACHE_MB: {
    kinds: SERVING,
    schema: z.coerce.number().positive().optional(),
    doc: "MiB of models kept loaded (default 1024)",
  },
  RESIDUAL_PRELOAD: {
    kinds: SERVING,
    schema: text(),
    doc: "comma-separated name[@version] loaded at start; `default` = the backbone",
  },
  RESIDUAL_API_TOKEN: {
    kinds: SERVING,
    schema: text(),
    doc: "bearer token `residual serve`/`start` require on every route but /healthz (needed with --allow-remote)",
  },
  RESIDUAL_DEFAULT_BACKBONE: {
    kinds: SERVING,
    schema: text(),
    doc: "backbone served when a request names no model (arch.tag or a bare arch; default resnet50.tv2_in1k)",
  },
  RESIDUAL_BULK_STATE_MACHINE: {
    kinds: ["api"],
    schema: text(),
    doc: "ARN of the bulk state machine: `residual bulk` over s3:// starts an execution of it (default: run in-process)",
  },
  RESIDUAL_BACKEND: {
    kinds: ["api", "worker", "local"],
    schema: oneOf("RESIDUAL_BACKEND", ["tensorflow", "wasm", "cpu"]),
    doc: "tfjs backend (default: the fastest that loads); `tensorflow` in the trainer image",
  },
  RESIDUAL_WASM_THREADS: {
    kinds: ["api", "worker", "local"],
    schema: int(1, 8),
    doc: "threads of the tfjs wasm backend (default 1)",
  },
  RESIDUAL_TRAIN_ENGINE: {
    kinds: TRAINING,
    schema: oneOf("RESIDUAL_TRAIN_ENGINE", ["auto", "wasm", "tfjs"]),
    doc: "what runs training steps: the wasm training engine on the wasm backend (auto, default) or tfjs autodiff",
  },
  RESIDUAL_TRAIN_THREADS: {
    kinds: TRAINING,
    schema: int(1, 64),
    doc: "threads of the wasm training engine (default: every core)",
  },
  RESIDUAL_CUDA_CACHE_ROOT: {
    kinds: ["worker"],
    readBy: "cdk/docker/trainer-entrypoint.sh",
    doc: "root of the persistent CUDA JIT cache (EFS); the trainer image's entrypoint sets CUDA_CACHE_PATH under it",
  },
  CUDA_CACHE_MAXSIZE: {
    kinds: ["worker"],
    readBy: "the CUDA driver",
    doc: "bytes the CUDA JIT cache may hold (the trainer sets CUDA's maximum, 4 GiB)",
  },
  RESIDUAL_JOB_ID: {
    kinds: ["worker"],
    schema: text(),
    doc: "the job `residual worker` runs without --job (set per job by the dispatcher)",
  },
  RESIDUAL_DATASET_KEY: {
    kinds: ["worker"],
    schema: text(),
    doc: "the upload the dispatcher submitted the job for; a status.json naming another is refused",
  },
  RESIDUAL_DATASET_CACHE: {
    kinds: TRAINING,
    schema: oneOf("RESIDUAL_DATASET_CACHE", ["on", "off"]),
    doc: "train from the compiled dataset cache (default on)",
  },
  RESIDUAL_MAX_EXTRACT_GIB: {
    kinds: TRAINING,
    schema: z.coerce.number().positive().max(1_000_000).optional(),
    doc: "most GiB one dataset archive may write to disk (default 20; the disk's free space and a 100× compression ratio cap it further)",
  },
  RESIDUAL_WEIGHTS_BASE_URL: {
    kinds: TRAINING,
    schema: z.url().optional(),
    doc: "mirror for `residual weights fetch` (default Hugging Face)",
  },
  RESIDUAL_JOB_QUEUE: {
    kinds: ["dispatcher"],
    schema: text(),
    requiredFor: ["dispatcher"],
    doc: "Batch job queue ARN",
  },
  RESIDUAL_JOB_DEFINITION: {
    kinds: ["dispatcher"],
    schema: text(),
    requiredFor: ["dispatcher"],
    doc: "Batch job definition ARN (with revision)",
  },
  RESIDUAL_VISIBILITY_SECONDS: {
    kinds: ["local"],
    schema: int(1, 43_200),
    doc: "seconds a received message stays hidden (default 30)",
  },
  RESIDUAL_HEARTBEAT_SECONDS: {
    kinds: ["local"],
    schema: int(1, 3600),
    doc: "seconds between heartbeats (default 5)",
  },
  RESIDUAL_LEASE_SECONDS: {
    kinds: ["local"],
    schema: int(1, 43_200),
    doc: "a running job with an older heartbeat is resumed (default 15)",
  },
  RESIDUAL_WATCH_INTERVAL_MS: {
    kinds: ["local"],
    schema: int(50, 60_000),
    doc: "how often datasets/ is listed (default 1000)",
  },
  RESIDUAL_CHECKPOINT_EVERY_MS: {
    kinds: ["local"],
    schema: z.coerce.number().int().min(0).optional(),
    doc: "mid-epoch checkpoint interval (default the trainer's)",
  },
  RESIDUAL_QUEUE_WAIT_SECONDS: { kinds: ["local"], schema: int(0, 20), doc: "queue long-poll (default 1)" },
  RESIDUAL_MAX_RECEIVE_COUNT: {
    kinds: ["local"],
    schema: int(1, 1000),
    doc: "receives before a local message is dead-lettered (default 5)",
  },
  AWS_REGION: { kinds: ALL, schema: text(), doc: "AWS region of the S3/SQS clients" },
  AWS_DEFAULT_REGION: { kinds: ALL, schema: text(), doc: "AWS region when AWS_REGION is unset" },
  AWS_ENDPOINT_URL: {
    kinds: ALL,
    schema: z.url().optional(),
    doc: "endpoint of every AWS client (moto, MinIO); path-style S3",
  },
  AWS_ENDPOINT_URL_S3: { kinds: ALL, schema: z.url().optional(), doc: "endpoint of the S3 client only" },
  AWS_ENDPOINT_URL_SQS: {
    kinds: TRAINING,
    schema: z.url().optional(),
    doc: "endpoint of the SQS client only",
  },
  AWS_LAMBDA_FUNCTION_NAME: {
    kinds: ["api"],
    schema: text(),
    doc: "set by Lambda: ORT sessions default to the handler's thread",
  },
  AWS_ACCESS_KEY_ID: {
    kinds: ["local"],
    schema: text(),
    doc: "with RESIDUAL_BUCKET/_QUEUE_URL, `residual start` uses AWS",
  },
  AWS_PROFILE: { kinds: ["local"], schema: text(), doc: "as AWS_ACCESS_KEY_ID" },
  POWERTOOLS_SERVICE_NAME: {
    // worker: the backbone-seeding Lambda (a worker-kind process: it fetches weights).
    kinds: ["api", "worker", "dispatcher"],
    readBy: "Powertools Logger",
    doc: "service name of a Lambda's log lines",
  },
  POWERTOOLS_LOG_LEVEL: {
    kinds: ["api", "worker", "dispatcher"],
    readBy: "Powertools Logger",
    doc: "log level of the Lambdas",
  },
} as const satisfies Record<string, EnvVar>;

/**
 * A name of the contract.
 * @example
 * const name: EnvName = "RESIDUAL_BUCKET";
 */
export type EnvName = keyof typeof ENV_VARS;
