/**
 * Lambda (API Gateway HTTP API v2) — POST /v1/classify: class scores, calibrated, with an `unknown` flag.
 * Thin: parse the event, call the serving core through the shared routes, map the result; errors are mapped
 * to 4xx/5xx by the routes' single error mapper.
 */
import { apiHandler } from "./http/api-handler.js";

export const handler = await apiHandler("residual-classify", { preload: true });
