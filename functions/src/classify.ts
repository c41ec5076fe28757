/**
 * Lambda (API Gateway HTTP API v2) — POST /v1/classify: class scores, calibrated, with an `unknown` flag.
 * Thin: parse the event, call the serving core through the shared routes, map the result; errors are mapped
 * to 4xx/5xx by the routes' single error mapper.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { handleApiEvent, toProxyResult } from "./http/api-gateway.js";
import { apiLogger, preloadModels, servingCore } from "./http/serving-core.js";

const logger = apiLogger("residual-classify");
// Module scope: created on cold start, reused (with its warm model cache) by every later invocation.
const core = servingCore();
await preloadModels(core, logger);

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const started = Date.now();
  const res = await handleApiEvent(core, event);
  const entry = { route: event.routeKey, status: res.status, ms: Date.now() - started };
  if (res.status >= 500) logger.error("request failed", { ...entry, body: res.body });
  else logger.info("request", entry);
  return toProxyResult(res);
}
