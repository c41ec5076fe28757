/**
 * Per-request bookkeeping of the local server: a request id (the caller's `x-request-id`, or a new one) echoed in
 * the response, the request counter and latency histogram by route id and status, and one log entry per request.
 */
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { LineLogger } from "../log/line-logger.js";
import { METRICS } from "../metrics/process-metrics.js";

/** The context variable a route handler sets to its route id (the metric label). */
export const ROUTE_LABEL = "residualRoute";
/** The context variable holding the request's id, for the route handlers' own log lines. */
export const REQUEST_ID = "residualRequestId";

/**
 * The middleware: request id, metrics, and (with a logger) one `request` entry with the request id.
 * @example
 * app.use("*", requestMetrics(log));
 */
export function requestMetrics(log?: LineLogger): MiddlewareHandler {
  return async (c, next) => {
    const requestId = c.req.header("x-request-id") ?? randomUUID();
    const started = performance.now();
    c.set(REQUEST_ID as never, requestId as never);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = (c.get(ROUTE_LABEL as never) as string | undefined) ?? staticLabel(c.req.path);
    const labels = { route, method: c.req.method, status: String(c.res.status) };
    METRICS.requests.inc(labels);
    METRICS.requestSeconds.observe(seconds, labels);
    c.res.headers.set("x-request-id", requestId);
    log?.entry(c.res.status >= 500 ? "ERROR" : "INFO", "request", {
      requestId,
      ...labels,
      path: c.req.path,
      ms: Math.round(seconds * 1000),
    });
  };
}

function staticLabel(path: string): string {
  if (path === "/" || path.startsWith("/dashboard/")) return "dashboard";
  if (path === "/metrics") return "metrics";
  return "unmatched";
}
