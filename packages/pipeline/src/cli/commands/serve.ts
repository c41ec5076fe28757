/**
 * `residual serve [--store <url>] [--port 8080] [--host 127.0.0.1] [--engine onnx|tfjs] [--cache-mb 1024]
 * [--preload name[@version],…]`. Preloading runs while the server starts listening, so the first request finds its
 * model loaded.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { z } from "zod";
import {
  type Config,
  loadConfig,
  preloadList,
  servingCoreOptions,
  storeLocation,
} from "../../config/load-config.js";
import { InvalidInputError } from "../../errors.js";
import type { LineLogger } from "../../log/line-logger.js";
import { remoteWarning } from "../../server/remote-warning.js";
import { startServer } from "../../server/start-server.js";
import { ServingCore } from "../../serving/serving-core.js";
import { LocalObjectStore } from "../../store/local-object-store.js";
import type { ObjectStore } from "../../store/object-store.js";
import { cliLogger, withLogFormatOption } from "../log-format-option.js";

const ServeOptionsSchema = z.object({
  store: z.string().optional(),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default("127.0.0.1"),
  engine: z.enum(["onnx", "tfjs"]).optional(),
  cacheMb: z.coerce.number().positive().optional(),
  preload: z.string().optional(),
  allowRemote: z.boolean().optional(),
  token: z.string().min(1).optional(),
  logFormat: z.string().optional(),
});

/** A directory (plain path or `file:` URL) opens here; an S3 location loads the AWS SDK only then. */
async function openServeStore(config: Config<"api">, flag?: string): Promise<ObjectStore> {
  const location = storeLocation(config, flag);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(location)) {
    return new LocalObjectStore(isAbsolute(location) ? location : resolve(location));
  }
  if (location.startsWith("file:///")) return new LocalObjectStore(fileURLToPath(location));
  const { openCliStore } = await import("../store-option.js");
  return openCliStore(location, config);
}

/** Preload in the background: a model that fails to load is reported, and requests for it get the error then. */
function startPreload(core: ServingCore, refs: ReadonlyArray<string | null>, log: LineLogger): void {
  for (const ref of refs) {
    core.preload(ref ?? undefined).catch((err: Error) => {
      log.line(`residual: preload ${ref ?? "default"} failed: ${err.message}`);
    });
  }
}

async function serve(raw: unknown): Promise<void> {
  const parsed = ServeOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError("invalid_options", `serve: ${parsed.error.message}`);
  const o = parsed.data;
  const config = loadConfig("api");
  const log = cliLogger(o.logFormat, "residual-serve");
  const core = new ServingCore({
    store: await openServeStore(config, o.store),
    ...servingCoreOptions(config),
    ...(o.cacheMb !== undefined ? { cacheBytes: o.cacheMb * 1024 * 1024 } : {}),
    ...(o.engine ? { engine: o.engine } : {}),
  });
  startPreload(core, o.preload !== undefined ? preloadList(o.preload) : config.serving.preload, log);
  const token = o.token ?? config.serving.apiToken;
  const server = await startServer({
    core,
    port: o.port,
    host: o.host,
    ...(o.allowRemote ? { allowRemote: true } : {}),
    ...(token ? { token } : {}),
    ...(log.format === "json" ? { log } : {}),
  }).catch(async (err: unknown) => {
    await core.close();
    throw err;
  });
  if (server.remote) log.line(remoteWarning(o.host));
  // One parseable line: tests and scripts wait for it to learn the port.
  process.stdout.write(`residual: serving ${core.store.url} on ${server.url}\n`);
  const stop = async () => {
    await server.close();
    await core.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await new Promise(() => undefined);
}

export function register(program: Command): void {
  withLogFormatOption(program.command("serve"))
    .description("serve the embeddings/classification API and the dashboard (GET /) over HTTP")
    .option(
      "--store <url>",
      "bucket: s3://bucket[/prefix] or a directory (default: $RESIDUAL_STORE, s3://$RESIDUAL_BUCKET, ./.residual)",
    )
    .option("--port <port>", "port (0 = any free port)", "8080")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--allow-remote", "allow a non-loopback --host (requires --token or $RESIDUAL_API_TOKEN)")
    .option(
      "--token <token>",
      "bearer token required on every route but /healthz (default $RESIDUAL_API_TOKEN)",
    )
    .option("--engine <kind>", "inference engine: onnx (default) or tfjs")
    .option("--cache-mb <mb>", "model cache budget in MiB (default $RESIDUAL_MODEL_CACHE_MB or 1024)")
    .option(
      "--preload <models>",
      "comma-separated name[@version] to load at start, `default` = the backbone (default $RESIDUAL_PRELOAD)",
    )
    .action((opts: unknown) => serve(opts));
}
