/**
 * The whole pipeline in one process: bucket, queue, dataset watcher (local mode only: on AWS the bucket
 * notification feeds SQS), job worker and HTTP API. `residual start` and `residual demo` both run it.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { initBackend } from "@residual/resnet";
import { type Config, loadConfig, servingCoreOptions } from "../config/load-config.js";
import type { EngineKind } from "../engine/inference-engine.js";
import { InvalidInputError } from "../errors.js";
import { watchDatasets } from "../jobs/dataset-watcher.js";
import { configuredTrainingRunner } from "../jobs/job-thread.js";
import type { LineLogger } from "../log/line-logger.js";
import type { JobQueue } from "../queue/job-queue.js";
import { LocalQueue } from "../queue/local-queue.js";
import { openQueue } from "../queue/open-queue.js";
import { type RunningServer, type StartServerOptions, startServer } from "../server/start-server.js";
import { ServingCore } from "../serving/serving-core.js";
import type { ObjectStore } from "../store/object-store.js";
import { openObjectStore } from "../store/open-object-store.js";
import { LOCAL_QUEUE_DIR, type PipelineMode } from "./pipeline-mode.js";
import { type TerminalOut, withTerminalProgress } from "./terminal-progress.js";
import { runWorkerLoop } from "./worker-loop.js";

export interface StartPipelineOptions {
  mode: PipelineMode;
  /** 0 picks a free port. @default 8080 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Allow a non-loopback `host` (requires `token`). @default false */
  allowRemote?: boolean;
  /** Bearer token of the API. @default config.serving.apiToken */
  token?: string;
  /** The process's parsed environment (timing knobs, serving, backend). @default loadConfig("local") */
  config?: Config<"local">;
  engine?: EngineKind;
  /** Log lines (job events, epochs). @default stderr */
  log?: (line: string) => void;
  /** One entry per API request, with its request id (`--log-format json`). @default none */
  requestLog?: LineLogger;
  /** Where the progress bar is drawn, when `tty`. @default stderr */
  progressOut?: TerminalOut;
  tty?: boolean;
}

export interface RunningPipeline {
  url: string;
  /** The API listens beyond loopback (token required). */
  remote: boolean;
  mode: PipelineMode;
  store: ObjectStore;
  queue: JobQueue;
  /** Stop taking work, let a running job checkpoint and hand itself back, close the API. Idempotent. */
  stop(): Promise<void>;
}

type ListenOptions = Pick<StartServerOptions, "port" | "allowRemote" | "token" | "log"> & { host: string };

async function listen(core: ServingCore, o: ListenOptions): Promise<RunningServer> {
  const { host, port } = o;
  try {
    return await startServer({ core, ...o });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new InvalidInputError(
        "port_in_use",
        `${host}:${port} is already in use: pass --port <n> (0 = any free port) or stop the other process`,
        { cause: err },
      );
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
      throw new InvalidInputError("invalid_host", `cannot listen on host ${host}: pass a local --host`, {
        cause: err,
      });
    throw err;
  }
}

function openParts(mode: PipelineMode, config: Config<"local">): { store: ObjectStore; queue: JobQueue } {
  const s = config.local;
  if (mode.kind === "aws") {
    const { s3Endpoint, sqsEndpoint, region } = config.aws;
    return {
      store: openObjectStore(mode.store, {
        ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
        ...(region ? { region } : {}),
      }),
      queue: openQueue(mode.queueUrl, {
        ...(sqsEndpoint ? { endpoint: sqsEndpoint } : {}),
        ...(region ? { region } : {}),
      }),
    };
  }
  return {
    store: openObjectStore(mode.home),
    queue: new LocalQueue(join(mode.home, LOCAL_QUEUE_DIR), { maxReceiveCount: s.maxReceiveCount }),
  };
}

/**
 * Start everything; resolves once the API listens. Bad options (busy port, bad host) reject before any job runs.
 *
 * @example
 * const p = await startPipeline({ mode: resolveMode({ home: "/tmp/r" }), port: 0 });
 * console.log(p.url); await p.stop();
 */
export async function startPipeline(o: StartPipelineOptions): Promise<RunningPipeline> {
  const config = o.config ?? loadConfig("local");
  const s = config.local;
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { store, queue } = openParts(o.mode, config);
  if (o.mode.kind === "local") await mkdir(join(o.mode.home, "datasets"), { recursive: true });
  const core = new ServingCore({
    store,
    ...servingCoreOptions(config),
    ...(o.engine ? { engine: o.engine } : {}),
  });
  const token = o.token ?? config.serving.apiToken;
  const server = await listen(core, {
    port: o.port ?? 8080,
    host: o.host ?? "127.0.0.1",
    ...(o.allowRemote ? { allowRemote: true } : {}),
    ...(token ? { token } : {}),
    ...(o.requestLog ? { log: o.requestLog } : {}),
  });
  try {
    await initBackend({ ...config.backend, logger: log });
  } catch (err) {
    await server.close();
    throw err;
  }
  const ctl = new AbortController();
  const runner = withTerminalProgress(
    configuredTrainingRunner(
      config,
      s.checkpointEveryMs !== undefined ? { checkpointEveryMs: s.checkpointEveryMs } : {},
    ),
    o.progressOut ?? process.stderr,
    o.tty ?? false,
  );
  const worker = runWorkerLoop(queue, {
    store,
    runner,
    visibilityTimeout: s.visibilitySeconds,
    heartbeatSeconds: s.heartbeatSeconds,
    leaseSeconds: s.leaseSeconds,
    waitSeconds: s.queueWaitSeconds,
    signal: ctl.signal,
    log,
  });
  const watcher =
    o.mode.kind === "local"
      ? watchDatasets({ store, queue, log, intervalMs: s.watchIntervalMs }, ctl.signal)
      : Promise.resolve();
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      ctl.abort();
      await Promise.allSettled([worker, watcher]);
      await server.close();
      await core.close();
    })();
    return stopping;
  };
  return { url: server.url, remote: server.remote, mode: o.mode, store, queue, stop };
}
