/**
 * The hono app of the local server: every route of the shared table (`API_ROUTES`), a 6 MB body limit,
 * and JSON errors for unknown routes. The Lambda handlers serve the same table. Before any route, the Host header
 * must name the server and, with a token, `Authorization: Bearer` must carry it (the probe `/healthz` excepted):
 * `exposure.ts`. Only here: the dashboard (`GET /`) and `GET /metrics` (Prometheus text; the Lambdas write the
 * same metrics as EMF lines).
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ForbiddenError, PayloadTooLargeError, UnauthorizedError } from "../errors.js";
import type { LineLogger } from "../log/line-logger.js";
import { refreshJobMetrics } from "../metrics/job-metrics.js";
import { processMetrics } from "../metrics/process-metrics.js";
import { MAX_BODY_BYTES } from "../serving/api/api-request.js";
import { API_ROUTES, type RouteErrorLog, runRoute, unmatchedRoute } from "../serving/api/api-routes.js";
import { errorResponse } from "../serving/api/error-response.js";
import type { ServingCore } from "../serving/serving-core.js";
import { bearerMatches, type Exposure, hostOfHeader, resolveExposure } from "./exposure.js";

/** Routes a load balancer or orchestrator probes without credentials. */
const PROBES = new Set(["/healthz", "/livez", "/readyz"]);
/** The dashboard's static files hold no data, and the page must load to ask for the token. */
const isPublic = (path: string) => PROBES.has(path) || path === "/" || path.startsWith("/dashboard/");

import { addDashboard } from "./dashboard-assets.js";
import { REQUEST_ID, ROUTE_LABEL, requestMetrics } from "./request-metrics.js";

/** `/v1/models/{name}` → `/v1/models/:name`. */
function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

/** The one error mapping, as a hono response. */
function errorJson(c: Context, err: unknown): Response {
  const res = errorResponse(err);
  if (res.status === 401) c.header("WWW-Authenticate", 'Bearer realm="residual"');
  return c.json(res.body, res.status as ContentfulStatusCode);
}

/** Host check, then the bearer token: the first of them that fails answers (403, 401). */
function guard(exposure: Exposure) {
  return async (c: Context, next: () => Promise<void>) => {
    // In-process requests (`app.request(url)`) carry no Host header: their URL names the host.
    const host = hostOfHeader(c.req.header("host") ?? new URL(c.req.url).host);
    if (!exposure.allowedHosts.has(host)) {
      return errorJson(
        c,
        new ForbiddenError("host_not_allowed", `Host "${host || "(none)"}" is not a name of this server`),
      );
    }
    if (
      exposure.token &&
      !isPublic(c.req.path) &&
      !bearerMatches(c.req.header("authorization"), exposure.token)
    ) {
      return errorJson(c, new UnauthorizedError("unauthorized", "send Authorization: Bearer <token>"));
    }
    await next();
  };
}

/**
 * What else the local server does besides the route table.
 * @example
 * const options: AppOptions = { log: lineLogger("json", "residual-serve") };
 */
export interface AppOptions {
  /** One `request` entry per request (with its request id). @default none */
  log?: LineLogger;
}

async function metricsText(core: ServingCore): Promise<string> {
  // The job gauges come from the bucket; a store that cannot be listed leaves them as they were.
  await refreshJobMetrics(core.store).catch(() => undefined);
  return processMetrics().text();
}

/** A 5xx's stack with the request id: a JSON entry with a logger, else one stderr line. */
function routeErrorLog(requestId: string, log: LineLogger | undefined): RouteErrorLog {
  return (err, route) => {
    const stack = (err as Error)?.stack ?? String(err);
    if (log) log.entry("ERROR", "route failed", { requestId, route: route.id, error: stack });
    else process.stderr.write(`[residual] ${route.method} ${route.path} (request ${requestId}): ${stack}\n`);
  };
}

/**
 * The hono app of the local server: every route of the shared table, a 6 MB body limit, JSON errors, the
 * dashboard, `/metrics`, and the Host / token checks of `exposure` (default: loopback names, no token).
 * @example
 * const app = createApp(new ServingCore({ store }));
 * const res = await app.request("http://localhost/healthz");
 */
export function createApp(
  core: ServingCore,
  exposure: Exposure = resolveExposure({ host: "127.0.0.1" }),
  options: AppOptions = {},
): Hono {
  const app = new Hono();
  app.use("*", requestMetrics(options.log));
  app.use("*", guard(exposure));
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) =>
      errorJson(
        c,
        new PayloadTooLargeError("body_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`),
      ),
  });
  for (const route of API_ROUTES) {
    const handler = async (c: Context) => {
      c.set(ROUTE_LABEL as never, route.id as never);
      const body = route.method === "POST" ? Buffer.from(await c.req.arrayBuffer()) : Buffer.alloc(0);
      const contentType = c.req.header("content-type");
      const requestId = c.get(REQUEST_ID as never) as string;
      const res = await runRoute(
        core,
        route,
        {
          body,
          ...(contentType ? { contentType } : {}),
          query: c.req.query(),
          params: c.req.param() as Record<string, string>,
        },
        routeErrorLog(requestId, options.log),
      );
      return c.json(res.body as object, res.status as ContentfulStatusCode);
    };
    if (route.method === "POST") app.post(honoPath(route.path), limit, handler);
    else app.get(honoPath(route.path), handler);
  }
  app.get("/metrics", async (c) =>
    c.text(await metricsText(core), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
  );
  addDashboard(app);
  app.notFound((c) => {
    const res = unmatchedRoute(c.req.method, c.req.path);
    return c.json(res.body as object, res.status as ContentfulStatusCode, res.headers);
  });
  app.onError((err, c) => errorJson(c, err));
  return app;
}
