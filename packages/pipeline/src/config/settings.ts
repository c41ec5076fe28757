/**
 * The shapes of a process's parsed environment, by process kind (what `loadConfig` returns): plain,
 * serialisable data, handed as is to a job thread.
 */
import type { ProcessKind } from "./env-vars.js";

/**
 * AWS client settings (region, endpoints for local servers).
 * @example
 * const { s3Endpoint } = awsSettings({ AWS_ENDPOINT_URL: "http://127.0.0.1:5000" }); // "http://127.0.0.1:5000"
 */
export interface AwsSettings {
  region?: string;
  s3Endpoint?: string;
  sqsEndpoint?: string;
  /** Step Functions endpoint (`AWS_ENDPOINT_URL`): where `residual bulk` starts executions. */
  sfnEndpoint?: string;
}

/**
 * What the API needs: how to run models and which to load first.
 * @example
 * new ServingCore({ store, ...config.serving });
 */
export interface ServingSettings {
  engine: "onnx" | "tfjs";
  ortThread: "worker" | "main";
  cacheBytes: number;
  /** Models to load at start, `null` for the backbone. */
  preload: Array<string | null>;
  backbone: string;
  /** Bearer token of the local server (`RESIDUAL_API_TOKEN`); `--token` wins. */
  apiToken?: string;
  /** `RESIDUAL_BULK_STATE_MACHINE`: where `residual bulk` over s3:// runs (unset: in-process). */
  bulkStateMachine?: string;
}

/**
 * The tfjs backend a process initialises (both optional: `initBackend`'s choice).
 * @example
 * await initBackend({ ...config.backend, logger });
 */
export interface BackendSettings {
  backend?: "tensorflow" | "wasm" | "cpu";
  threads?: number;
}

/**
 * What a job worker needs besides the store.
 * @example
 * if (config.worker.jobId) await runJob(config.worker.jobId, options);
 */
export interface WorkerSettings {
  /** What runs training steps (`RESIDUAL_TRAIN_ENGINE`). */
  trainEngine: "auto" | "wasm" | "tfjs";
  /** Threads of the wasm training engine (`RESIDUAL_TRAIN_THREADS`); unset: every core. */
  trainThreads?: number;
  jobId?: string;
  datasetKey?: string;
  datasetCache: boolean;
  weightsBaseUrl?: string;
  /** Most bytes one dataset archive may write to disk (`RESIDUAL_MAX_EXTRACT_GIB`); unset: 20 GiB. */
  maxExtractBytes?: number;
}

/**
 * The dispatcher's Batch target.
 * @example
 * batchSubmitter(config.dispatch);
 */
export interface DispatchSettings {
  bucket: string;
  jobQueue: string;
  jobDefinition: string;
}

/**
 * The local pipeline's timing knobs and AWS-mode hints (`residual start`).
 * @example
 * const { leaseSeconds } = config.local;
 */
export interface LocalSettings {
  visibilitySeconds: number;
  heartbeatSeconds: number;
  leaseSeconds: number;
  watchIntervalMs: number;
  checkpointEveryMs?: number;
  queueWaitSeconds: number;
  maxReceiveCount: number;
  bucket?: string;
  queueUrl?: string;
  /** Why AWS credentials seem present (`AWS_ENDPOINT_URL`, `AWS credentials`), when they do. */
  awsCredentials?: "AWS_ENDPOINT_URL" | "AWS credentials";
}

/**
 * What every kind but the dispatcher knows: AWS client settings and the store location.
 * @example
 * const { store }: CommonSettings = loadConfig("api");
 */
export interface CommonSettings {
  aws: AwsSettings;
  /** `RESIDUAL_STORE`, else `s3://$RESIDUAL_BUCKET`; undefined when neither is set. */
  store: { location?: string };
}

/**
 * The parsed environment of each process kind.
 * @example
 * const config: Config<"api"> = loadConfig("api");
 */
export type Config<K extends ProcessKind = ProcessKind> = {
  api: CommonSettings & { kind: "api"; serving: ServingSettings; backend: BackendSettings };
  worker: CommonSettings & { kind: "worker"; worker: WorkerSettings; backend: BackendSettings };
  dispatcher: { kind: "dispatcher"; aws: AwsSettings; dispatch: DispatchSettings };
  local: CommonSettings & {
    kind: "local";
    serving: ServingSettings;
    worker: WorkerSettings;
    backend: BackendSettings;
    local: LocalSettings;
  };
}[K];
