/**
 * The serving core of a Lambda container, created once at module scope so its model cache stays warm across
 * invocations. Bucket from `RESIDUAL_BUCKET` (or `RESIDUAL_STORE` for a non-default location), cache budget
 * from `RESIDUAL_MODEL_CACHE_MB`, models to load at init from `RESIDUAL_PRELOAD`.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { InvalidInputError, openObjectStore, ServingCore } from "@residual/pipeline/serving";
import { z } from "zod";

const EnvSchema = z.object({
  RESIDUAL_BUCKET: z.string().min(3).optional(),
  RESIDUAL_STORE: z.string().min(1).optional(),
  RESIDUAL_MODEL_CACHE_MB: z.coerce.number().positive().default(1024),
  /** Comma-separated `name[@version]` (or `default` for the backbone) to load during the Lambda's init phase. */
  RESIDUAL_PRELOAD: z.string().optional(),
});

let core: ServingCore | undefined;

/** @example const core = servingCore(); */
export function servingCore(env: NodeJS.ProcessEnv = process.env): ServingCore {
  if (core) return core;
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success)
    throw new InvalidInputError("invalid_config", `handler environment: ${parsed.error.message}`);
  const location =
    parsed.data.RESIDUAL_STORE ?? (parsed.data.RESIDUAL_BUCKET && `s3://${parsed.data.RESIDUAL_BUCKET}`);
  if (!location) throw new InvalidInputError("invalid_config", "set RESIDUAL_BUCKET (or RESIDUAL_STORE)");
  core = new ServingCore({
    store: openObjectStore(location),
    cacheBytes: parsed.data.RESIDUAL_MODEL_CACHE_MB * 1024 * 1024,
  });
  return core;
}

/** One logger per container; `serviceName` tells the three API functions apart. */
export function apiLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/**
 * Load the `RESIDUAL_PRELOAD` models into `core` (awaited at module scope, so it happens in the init phase, before
 * the first request). A model that fails to load is logged, never fatal: requests for it report the error.
 * @example
 * await preloadModels(core, logger);
 */
export async function preloadModels(
  core: ServingCore,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const refs = (env.RESIDUAL_PRELOAD ?? "")
    .split(",")
    .map((r) => r.trim())
    .filter((r) => r.length > 0);
  await Promise.all(
    refs.map((ref) =>
      core.preload(ref === "default" ? undefined : ref).catch((err: Error) => {
        logger.warn("preload failed", { model: ref, error: err.message });
      }),
    ),
  );
}
