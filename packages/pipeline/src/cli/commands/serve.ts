/**
 * `residual serve [--store <url>] [--port 8080] [--host 127.0.0.1] [--engine onnx|tfjs] [--cache-mb 1024]
 * [--preload name[@version],…]`. Preloading runs while the server starts listening, so the first request finds its
 * model loaded.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { z } from "zod";
import { InvalidInputError } from "../../errors.js";
import { startServer } from "../../server/start-server.js";
import { ServingCore } from "../../serving/serving-core.js";
import { LocalObjectStore } from "../../store/local-object-store.js";
import type { ObjectStore } from "../../store/object-store.js";

const ServeOptionsSchema = z.object({
  store: z.string().optional(),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default("127.0.0.1"),
  engine: z.enum(["onnx", "tfjs"]).optional(),
  cacheMb: z.coerce.number().positive().optional(),
  preload: z.string().optional(),
});

/**
 * The store's location, with `store-option.ts`'s precedence (`--store`, `RESIDUAL_STORE`, `s3://$RESIDUAL_BUCKET`,
 * `.residual`). Repeated here because that module loads the AWS SDK statically (≈ 0.2–0.3 s of a cold start) and a
 * local store needs none of it; a test pins the two to the same answers.
 * @example
 * serveStoreLocation(undefined, { RESIDUAL_BUCKET: "b" }) // "s3://b"
 */
export function serveStoreLocation(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.RESIDUAL_STORE || (env.RESIDUAL_BUCKET ? `s3://${env.RESIDUAL_BUCKET}` : ".residual");
}

/** A directory (plain path or `file:` URL) opens here; anything else goes through the shared opener. */
async function openServeStore(flag?: string): Promise<ObjectStore> {
  const location = serveStoreLocation(flag);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(location)) {
    return new LocalObjectStore(isAbsolute(location) ? location : resolve(location));
  }
  if (location.startsWith("file:///")) return new LocalObjectStore(fileURLToPath(location));
  const { openCliStore } = await import("../store-option.js");
  return openCliStore(location);
}

/** Models to load at start: `--preload`, else `RESIDUAL_PRELOAD`; `default` names the backbone. */
function preloadRefs(flag: string | undefined): Array<string | undefined> {
  const raw = flag ?? process.env.RESIDUAL_PRELOAD ?? "";
  return raw
    .split(",")
    .map((r) => r.trim())
    .filter((r) => r.length > 0)
    .map((r) => (r === "default" ? undefined : r));
}

/** Preload in the background: a model that fails to load is reported, and requests for it get the error then. */
function startPreload(core: ServingCore, refs: Array<string | undefined>): void {
  for (const ref of refs) {
    core.preload(ref).catch((err: Error) => {
      process.stderr.write(`residual: preload ${ref ?? "default"} failed: ${err.message}\n`);
    });
  }
}

async function serve(raw: unknown): Promise<void> {
  const parsed = ServeOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError("invalid_options", `serve: ${parsed.error.message}`);
  const o = parsed.data;
  const cacheMb = o.cacheMb ?? Number(process.env.RESIDUAL_MODEL_CACHE_MB ?? 1024);
  const core = new ServingCore({
    store: await openServeStore(o.store),
    cacheBytes: cacheMb * 1024 * 1024,
    ...(o.engine ? { engine: o.engine } : {}),
  });
  startPreload(core, preloadRefs(o.preload));
  const server = await startServer({ core, port: o.port, host: o.host });
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
  program
    .command("serve")
    .description("serve the embeddings/classification API over HTTP")
    .option(
      "--store <url>",
      "bucket: s3://bucket[/prefix] or a directory (default: $RESIDUAL_STORE, s3://$RESIDUAL_BUCKET, ./.residual)",
    )
    .option("--port <port>", "port (0 = any free port)", "8080")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--engine <kind>", "inference engine: onnx (default) or tfjs")
    .option("--cache-mb <mb>", "model cache budget in MiB (default $RESIDUAL_MODEL_CACHE_MB or 1024)")
    .option(
      "--preload <models>",
      "comma-separated name[@version] to load at start, `default` = the backbone (default $RESIDUAL_PRELOAD)",
    )
    .action((opts: unknown) => serve(opts));
}
