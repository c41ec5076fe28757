/**
 * `residual start`: the whole pipeline on this machine (bucket directory, queue, dataset watcher, worker, API),
 * or against real S3 + SQS with `--aws`. SIGINT/SIGTERM stop it gracefully: a running job checkpoints and is
 * handed back, so the next start resumes it; a second signal exits at once.
 */
import type { Command } from "commander";
import { z } from "zod";
import { loadConfig } from "../../config/load-config.js";
import { InvalidInputError } from "../../errors.js";
import { resolveMode } from "../../local/pipeline-mode.js";
import { startBanner } from "../../local/start-banner.js";
import { type RunningPipeline, startPipeline } from "../../local/start-pipeline.js";
import { remoteWarning } from "../../server/remote-warning.js";
import { cliLogger, withLogFormatOption } from "../log-format-option.js";

const StartOptionsSchema = z.object({
  home: z.string().min(1).optional(),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default("127.0.0.1"),
  aws: z.boolean().optional(),
  local: z.boolean().optional(),
  bucket: z.string().min(1).optional(),
  queueUrl: z.string().min(1).optional(),
  engine: z.enum(["onnx", "tfjs"]).optional(),
  json: z.boolean().optional(),
  allowRemote: z.boolean().optional(),
  token: z.string().min(1).optional(),
  logFormat: z.string().optional(),
});

/** Resolves when the first SIGINT/SIGTERM has stopped the pipeline. */
function untilSignal(p: RunningPipeline, log: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        log(`residual start: ${sig} again: exiting now`);
        process.exit(130);
      }
      stopping = true;
      log(`residual start: ${sig}: stopping (a running job checkpoints and resumes on the next start)…`);
      void p.stop().then(resolve);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

async function start(raw: unknown): Promise<void> {
  const parsed = StartOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError("invalid_options", `start: ${parsed.error.message}`);
  const o = parsed.data;
  if (o.aws && o.local) throw new InvalidInputError("invalid_options", "give --aws or --local, not both");
  const config = loadConfig("local");
  const logger = cliLogger(o.logFormat, "residual-start");
  const mode = resolveMode(
    {
      ...(o.home ? { home: o.home } : {}),
      ...(o.aws ? { aws: true } : {}),
      ...(o.local ? { local: true } : {}),
      ...(o.bucket ? { bucket: o.bucket } : {}),
      ...(o.queueUrl ? { queueUrl: o.queueUrl } : {}),
    },
    config,
  );
  const pipeline = await startPipeline({
    mode,
    config,
    port: o.port,
    host: o.host,
    ...(o.engine ? { engine: o.engine } : {}),
    ...(o.allowRemote ? { allowRemote: true } : {}),
    ...(o.token ? { token: o.token } : {}),
    tty: process.stderr.isTTY === true && logger.format === "text",
    log: (line) => logger.line(line),
    ...(logger.format === "json" ? { requestLog: logger } : {}),
  });
  // Through the logger: with --log-format json every stderr line of the process is a JSON object.
  if (pipeline.remote) logger.line(remoteWarning(o.host));
  const stopped = untilSignal(pipeline, (line) => logger.line(line));
  if (o.json) {
    const info = { url: pipeline.url, mode: mode.kind, store: pipeline.store.url, queue: pipeline.queue.url };
    process.stdout.write(`${JSON.stringify(info)}\n`);
  } else {
    process.stdout.write(`${startBanner(pipeline.url, mode, process.cwd()).join("\n")}\n`);
  }
  await stopped;
  logger.line("residual start: stopped");
}

export function register(program: Command): void {
  withLogFormatOption(program.command("start"))
    .description(
      "run the whole pipeline on this machine: local bucket, queue, dataset watcher, worker and HTTP API",
    )
    .option("--home <dir>", "local bucket directory (default: $RESIDUAL_STORE or ./.residual)")
    .option("--port <port>", "API port (0 = any free port)", "8080")
    .option("--host <host>", "interface the API binds", "127.0.0.1")
    .option("--allow-remote", "allow a non-loopback --host (requires --token or $RESIDUAL_API_TOKEN)")
    .option(
      "--token <token>",
      "bearer token the API requires on every route but /healthz (default $RESIDUAL_API_TOKEN)",
    )
    .option(
      "--aws",
      "use real S3 + SQS (also chosen when AWS variables and RESIDUAL_BUCKET/_QUEUE_URL are set)",
    )
    .option("--local", "use the local directory even when AWS variables are set")
    .option("--bucket <name>", "S3 bucket for --aws (default $RESIDUAL_BUCKET)")
    .option("--queue-url <url>", "SQS queue URL for --aws (default $RESIDUAL_QUEUE_URL)")
    .option("--engine <kind>", "inference engine of the API: onnx (default) or tfjs")
    .option("--json", "print one JSON line {url, mode, store, queue} instead of the banner")
    .addHelpText(
      "after",
      "\nTiming knobs (env): RESIDUAL_VISIBILITY_SECONDS=30 RESIDUAL_HEARTBEAT_SECONDS=5 RESIDUAL_LEASE_SECONDS=15\n" +
        "RESIDUAL_WATCH_INTERVAL_MS=1000 RESIDUAL_CHECKPOINT_EVERY_MS RESIDUAL_QUEUE_WAIT_SECONDS=1 RESIDUAL_MAX_RECEIVE_COUNT=5",
    )
    .action((opts: unknown) => start(opts));
}
