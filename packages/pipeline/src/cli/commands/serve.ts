/** `residual serve [--store <url>] [--port 8080] [--host 127.0.0.1] [--engine onnx|tfjs] [--cache-mb 1024]`. */
import type { Command } from "commander";
import { z } from "zod";
import { InvalidInputError } from "../../errors.js";
import { startServer } from "../../server/start-server.js";
import { ServingCore } from "../../serving/serving-core.js";
import { openCliStore, withStoreOption } from "../store-option.js";

const ServeOptionsSchema = z.object({
  store: z.string().optional(),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default("127.0.0.1"),
  engine: z.enum(["onnx", "tfjs"]).optional(),
  cacheMb: z.coerce.number().positive().optional(),
});

async function serve(raw: unknown): Promise<void> {
  const parsed = ServeOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError("invalid_options", `serve: ${parsed.error.message}`);
  const o = parsed.data;
  const cacheMb = o.cacheMb ?? Number(process.env.RESIDUAL_MODEL_CACHE_MB ?? 1024);
  const core = new ServingCore({
    store: openCliStore(o.store),
    cacheBytes: cacheMb * 1024 * 1024,
    ...(o.engine ? { engine: o.engine } : {}),
  });
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
  withStoreOption(program.command("serve").description("serve the embeddings/classification API over HTTP"))
    .option("--port <port>", "port (0 = any free port)", "8080")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--engine <kind>", "inference engine: onnx (default) or tfjs")
    .option("--cache-mb <mb>", "model cache budget in MiB (default $RESIDUAL_MODEL_CACHE_MB or 1024)")
    .action((opts: unknown) => serve(opts));
}
