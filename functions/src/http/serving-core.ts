/**
 * The serving core of a Lambda container, created once at module scope so its model cache stays warm across
 * invocations, from the API's configuration (`loadConfig("api")`: the bucket, `RESIDUAL_MODEL_CACHE_MB`,
 * `RESIDUAL_PRELOAD`, `RESIDUAL_ORT_THREAD` — the handler's thread in Lambda —, every bad variable reported
 * together).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import {
  type Config,
  InvalidInputError,
  loadConfig,
  openObjectStore,
  ServingCore,
  servingCoreOptions,
} from "@residual/pipeline/serving";

let core: { core: ServingCore; config: Config<"api"> } | undefined;

/** @example const { core, config } = servingCore(); */
export function servingCore(): { core: ServingCore; config: Config<"api"> } {
  if (core) return core;
  const config = loadConfig("api");
  const location = config.store.location;
  if (!location) throw new InvalidInputError("invalid_config", "set RESIDUAL_BUCKET (or RESIDUAL_STORE)");
  const { s3Endpoint, region } = config.aws;
  const store = openObjectStore(location, {
    ...(s3Endpoint ? { endpoint: s3Endpoint } : {}),
    ...(region ? { region } : {}),
  });
  core = { core: new ServingCore({ store, ...servingCoreOptions(config) }), config };
  return core;
}

/** One logger per container; `serviceName` tells the three API functions apart. */
export function apiLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/**
 * Load the configured preload models (`RESIDUAL_PRELOAD`) into `core` (awaited at module scope, so it happens
 * in the init phase, before the first request). A model that fails to load is logged, never fatal: requests for
 * it report the error.
 * @example
 * await preloadModels(core, config.serving.preload, logger);
 */
export async function preloadModels(
  core: ServingCore,
  refs: ReadonlyArray<string | null>,
  logger: Logger,
): Promise<void> {
  await Promise.all(
    refs.map((ref) =>
      core.preload(ref ?? undefined).catch((err: Error) => {
        logger.warn("preload failed", { model: ref ?? "default", error: err.message });
      }),
    ),
  );
}
