/**
 * The one body of the API Lambdas: parse the API Gateway v2 event, run it through the shared routes of the serving
 * core, log the outcome, map the result. Each handler file only names itself.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { handleApiEvent, toProxyResult } from "./api-gateway.js";
import { emfRecorder } from "./emf-metrics.js";
import { apiLogger, preloadModels, servingCore } from "./serving-core.js";

export type ApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Create the core (module scope: reused, with its warm model cache, by every later invocation of the container)
 * and the handler over it; `preload` loads the configured models during the init phase.
 * @example
 * export const handler = await apiHandler("residual-embed", { preload: true });
 */
export async function apiHandler(service: string, opts: { preload?: boolean } = {}): Promise<ApiHandler> {
  const logger = apiLogger(service);
  const record = emfRecorder(service);
  const { core, config } = servingCore();
  // Init-phase lines belong to no request: they say so, as the local processes' startup lines do.
  if (opts.preload)
    await preloadModels(
      core,
      config.serving.preload,
      logger.createChild({ persistentKeys: { scope: "process" } }),
    );
  return async (event) => {
    const started = Date.now();
    // The request id on every line this invocation logs (the field the local server's JSON logs use).
    logger.appendKeys({ requestId: event.requestContext?.requestId });
    const res = await handleApiEvent(core, event, (err, route) =>
      logger.error("route failed", { route: route.id, error: err as Error }),
    );
    const ms = Date.now() - started;
    const entry = { route: event.routeKey, status: res.status, ms };
    if (res.status >= 500) logger.error("request failed", { ...entry, body: res.body });
    else logger.info("request", entry);
    record(event.routeKey, res.status, ms / 1000);
    return toProxyResult(res);
  };
}
