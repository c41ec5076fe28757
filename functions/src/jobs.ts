/**
 * Lambda (API Gateway HTTP API v2) — GET /v1/jobs/{id} (a job's status.json) and the other read routes: /v1/models[/{name}], /healthz, /openapi.json.
 * Thin: parse the event, call the serving core through the shared routes, map the result; errors are mapped
 * to 4xx/5xx by the routes' single error mapper.
 */
import { apiHandler } from "./http/api-handler.js";

export const handler = await apiHandler("residual-jobs");
