/**
 * The one parse of the environment per process: `loadConfig(kind)` reads the variables of the contract
 * (`env-vars.ts`) that `kind` reads, with zod, reports every bad variable in one InvalidInputError
 * (`invalid_environment`, an issue per variable) and returns a plain, serialisable object (JSON in, JSON out: a
 * training job on its own thread or process gets it as is). Nothing else in the pipeline reads `process.env`.
 */
import { z } from "zod";
import { formatIssues, InvalidInputError, zodIssues } from "../errors.js";
import { ENV_VARS, type EnvName, type EnvVar, type ProcessKind } from "./env-vars.js";
import type {
  AwsSettings,
  BackendSettings,
  CommonSettings,
  Config,
  LocalSettings,
  ServingSettings,
  WorkerSettings,
} from "./settings.js";

export type {
  AwsSettings,
  BackendSettings,
  Config,
  DispatchSettings,
  LocalSettings,
  ServingSettings,
  WorkerSettings,
} from "./settings.js";

type Env = Readonly<Record<string, string | undefined>>;
type Values = Partial<Record<EnvName, unknown>>;

/**
 * The backbone served when a request names no model (unless `RESIDUAL_DEFAULT_BACKBONE` names another), and the
 * one `cdk deploy` seeds into the bucket by default.
 * @example
 * loadConfig("api", {}).serving.backbone === DEFAULT_BACKBONE; // true
 */
export const DEFAULT_BACKBONE = "resnet50.tv2_in1k";

/** The names `kind` reads with a schema; `required` turns an optional schema into a required string. */
function namesOf(kind: ProcessKind): EnvName[] {
  return (Object.keys(ENV_VARS) as EnvName[]).filter((n) => {
    const v: EnvVar = ENV_VARS[n];
    return v.kinds.includes(kind) && v.schema !== undefined;
  });
}

function schemaOf(name: EnvName, kind: ProcessKind): z.ZodType {
  const v: EnvVar = ENV_VARS[name];
  if (v.requiredFor?.includes(kind)) return z.string({ error: `required by the ${kind}` }).min(1);
  return v.schema!;
}

function parse(names: readonly EnvName[], kind: ProcessKind, env: Env): Values {
  const shape = Object.fromEntries(names.map((n) => [n, schemaOf(n, kind)]));
  const raw = Object.fromEntries(names.map((n) => [n, env[n]?.trim() || undefined]));
  const parsed = z.object(shape).safeParse(raw);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new InvalidInputError("invalid_environment", `invalid environment: ${formatIssues(issues)}`, {
      issues,
    });
  }
  return parsed.data as Values;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

function aws(e: Values): AwsSettings {
  const all = str(e.AWS_ENDPOINT_URL);
  const region = str(e.AWS_REGION) ?? str(e.AWS_DEFAULT_REGION);
  const s3 = str(e.AWS_ENDPOINT_URL_S3) ?? all;
  const sqs = str(e.AWS_ENDPOINT_URL_SQS) ?? all;
  return {
    ...(region ? { region } : {}),
    ...(s3 ? { s3Endpoint: s3 } : {}),
    ...(sqs ? { sqsEndpoint: sqs } : {}),
    ...(all ? { sfnEndpoint: all } : {}),
  };
}

function common(e: Values): CommonSettings {
  const bucket = str(e.RESIDUAL_BUCKET);
  const location = str(e.RESIDUAL_STORE) ?? (bucket ? `s3://${bucket}` : undefined);
  return { aws: aws(e), store: location ? { location } : {} };
}

/**
 * A comma-separated preload list (`RESIDUAL_PRELOAD`, `--preload`) as refs, `default` as `null` (the backbone).
 * @example
 * preloadList("flowers, default"); // ["flowers", null]
 */
export function preloadList(raw: string): Array<string | null> {
  return raw
    .split(",")
    .map((r) => r.trim())
    .filter((r) => r.length > 0)
    .map((r) => (r === "default" ? null : r));
}

/** Where the CLI's bucket is when neither a flag nor the environment says. */
export const DEFAULT_LOCAL_HOME = ".residual";

/**
 * The store a command uses: its `--store` flag, else the environment's (`RESIDUAL_STORE`, then
 * `s3://$RESIDUAL_BUCKET`), else the local directory `./.residual`.
 * @example
 * storeLocation(loadConfig("api", { RESIDUAL_BUCKET: "b" })); // "s3://b"
 */
export function storeLocation(config: { store: { location?: string } }, flag?: string): string {
  return flag || config.store.location || DEFAULT_LOCAL_HOME;
}

function serving(e: Values): ServingSettings {
  const preload = preloadList(str(e.RESIDUAL_PRELOAD) ?? "");
  const thread = str(e.RESIDUAL_ORT_THREAD) ?? (e.AWS_LAMBDA_FUNCTION_NAME ? "main" : "worker");
  const bulkStateMachine = str(e.RESIDUAL_BULK_STATE_MACHINE);
  return {
    engine: (str(e.RESIDUAL_ENGINE) ?? "onnx") as ServingSettings["engine"],
    ortThread: thread as ServingSettings["ortThread"],
    cacheBytes: (num(e.RESIDUAL_MODEL_CACHE_MB) ?? 1024) * 1024 * 1024,
    preload,
    backbone: str(e.RESIDUAL_DEFAULT_BACKBONE) ?? DEFAULT_BACKBONE,
    ...(str(e.RESIDUAL_API_TOKEN) ? { apiToken: str(e.RESIDUAL_API_TOKEN)! } : {}),
    ...(bulkStateMachine ? { bulkStateMachine } : {}),
  };
}

function backend(e: Values): BackendSettings {
  const name = str(e.RESIDUAL_BACKEND) as BackendSettings["backend"];
  const threads = num(e.RESIDUAL_WASM_THREADS);
  return { ...(name ? { backend: name } : {}), ...(threads !== undefined ? { threads } : {}) };
}

function worker(e: Values): WorkerSettings {
  const [jobId, datasetKey, weightsBaseUrl] = [
    e.RESIDUAL_JOB_ID,
    e.RESIDUAL_DATASET_KEY,
    e.RESIDUAL_WEIGHTS_BASE_URL,
  ].map(str);
  const trainThreads = num(e.RESIDUAL_TRAIN_THREADS);
  const maxExtractGib = num(e.RESIDUAL_MAX_EXTRACT_GIB);
  return {
    ...(maxExtractGib !== undefined ? { maxExtractBytes: Math.floor(maxExtractGib * 1024 ** 3) } : {}),
    trainEngine: (str(e.RESIDUAL_TRAIN_ENGINE) as WorkerSettings["trainEngine"] | undefined) ?? "auto",
    ...(trainThreads !== undefined ? { trainThreads } : {}),
    ...(jobId ? { jobId } : {}),
    ...(datasetKey ? { datasetKey } : {}),
    datasetCache: e.RESIDUAL_DATASET_CACHE !== "off",
    ...(weightsBaseUrl ? { weightsBaseUrl } : {}),
  };
}

function local(e: Values): LocalSettings {
  const every = num(e.RESIDUAL_CHECKPOINT_EVERY_MS);
  const [bucket, queueUrl] = [str(e.RESIDUAL_BUCKET), str(e.RESIDUAL_QUEUE_URL)];
  const credentials = e.AWS_ENDPOINT_URL
    ? "AWS_ENDPOINT_URL"
    : e.AWS_ACCESS_KEY_ID || e.AWS_PROFILE
      ? "AWS credentials"
      : undefined;
  return {
    visibilitySeconds: num(e.RESIDUAL_VISIBILITY_SECONDS) ?? 30,
    heartbeatSeconds: num(e.RESIDUAL_HEARTBEAT_SECONDS) ?? 5,
    leaseSeconds: num(e.RESIDUAL_LEASE_SECONDS) ?? 15,
    watchIntervalMs: num(e.RESIDUAL_WATCH_INTERVAL_MS) ?? 1000,
    ...(every !== undefined ? { checkpointEveryMs: every } : {}),
    queueWaitSeconds: num(e.RESIDUAL_QUEUE_WAIT_SECONDS) ?? 1,
    maxReceiveCount: num(e.RESIDUAL_MAX_RECEIVE_COUNT) ?? 5,
    ...(bucket ? { bucket } : {}),
    ...(queueUrl ? { queueUrl } : {}),
    ...(credentials ? { awsCredentials: credentials } : {}),
  };
}

function build(kind: ProcessKind, e: Values): Config {
  switch (kind) {
    case "api":
      return { kind, ...common(e), serving: serving(e), backend: backend(e) };
    case "worker":
      return { kind, ...common(e), worker: worker(e), backend: backend(e) };
    case "dispatcher": {
      const dispatch = {
        bucket: str(e.RESIDUAL_BUCKET) ?? "",
        jobQueue: str(e.RESIDUAL_JOB_QUEUE) ?? "",
        jobDefinition: str(e.RESIDUAL_JOB_DEFINITION) ?? "",
      };
      return { kind, aws: aws(e), dispatch };
    }
    case "local":
      return {
        kind,
        ...common(e),
        serving: serving(e),
        worker: worker(e),
        backend: backend(e),
        local: local(e),
      };
  }
}

/**
 * Parse the environment of a `kind` process, once, reporting every bad variable together.
 * @throws InvalidInputError `invalid_environment` with an issue per bad variable (`path: [name]`).
 * @example
 * const config = loadConfig("api"); // { kind: "api", aws, store, serving, backend }
 * const core = new ServingCore({ store: openObjectStore(config.store.location!), ...config.serving });
 */
export function loadConfig<K extends ProcessKind>(kind: K, env: Env = process.env): Config<K> {
  return build(kind, parse(namesOf(kind), kind, env)) as Config<K>;
}

/**
 * What a serving core takes from a process's configuration: engine, session placement, cache, backbone and
 * tfjs backend, decided once for every model it will load.
 * @example
 * const core = new ServingCore({ store, ...servingCoreOptions(loadConfig("api")) });
 */
export function servingCoreOptions(config: { serving: ServingSettings; backend: BackendSettings }) {
  const { engine, ortThread, cacheBytes, backbone } = config.serving;
  return { engine, ortThread, cacheBytes, backbone, backend: config.backend };
}

/**
 * The AWS part alone (the object store and queue openers' defaults).
 * @example
 * awsSettings({ AWS_REGION: "eu-west-1" }).region; // "eu-west-1"
 */
export function awsSettings(env: Env = process.env): AwsSettings {
  const names = namesOf("local").filter((n) => n.startsWith("AWS_ENDPOINT") || n.endsWith("REGION"));
  return aws(parse(names, "local", env));
}
