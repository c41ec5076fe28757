/**
 * The hono app of the local server: every route of the shared table (`API_ROUTES`), a 6 MB body limit,
 * and JSON errors for unknown routes. The Lambda handlers serve the same table. Only here: the dashboard
 * (`GET /`) and `GET /metrics` (Prometheus text; the Lambdas write the same metrics as EMF lines).
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { NotFoundError, PayloadTooLargeError } from "../errors.js";
import type { LineLogger } from "../log/line-logger.js";
import { refreshJobMetrics } from "../metrics/job-metrics.js";
import { processMetrics } from "../metrics/process-metrics.js";
import { MAX_BODY_BYTES } from "../serving/api/api-request.js";
import { API_ROUTES, runRoute } from "../serving/api/api-routes.js";
import { errorResponse } from "../serving/api/error-response.js";
import type { ServingCore } from "../serving/serving-core.js";
import { addDashboard } from "./dashboard-assets.js";
import { ROUTE_LABEL, requestMetrics } from "./request-metrics.js";

/** `/v1/models/{name}` → `/v1/models/:name`. */
function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

/** The one error mapping, as a hono response. */
function errorJson(c: Context, err: unknown): Response {
  const res = errorResponse(err);
  return c.json(res.body, res.status as ContentfulStatusCode);
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

/**
 * The hono app of the local server: every route of the shared table, a 6 MB body limit, JSON errors, the
 * dashboard and `/metrics`.
 * @example
 * const app = createApp(new ServingCore({ store }));
 * const res = await app.request("/healthz");
 */
export function createApp(core: ServingCore, options: AppOptions = {}): Hono {
  const app = new Hono();
  app.use("*", requestMetrics(options.log));
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
      const res = await runRoute(core, route, {
        body,
        ...(contentType ? { contentType } : {}),
        query: c.req.query(),
        params: c.req.param() as Record<string, string>,
      });
      return c.json(res.body as object, res.status as ContentfulStatusCode);
    };
    if (route.method === "POST") app.post(honoPath(route.path), limit, handler);
    else app.get(honoPath(route.path), handler);
  }
  app.get("/metrics", async (c) =>
    c.text(await metricsText(core), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
  );
  addDashboard(app);
  app.notFound((c) =>
    errorJson(c, new NotFoundError("route_not_found", `no route for ${c.req.method} ${c.req.path}`)),
  );
  app.onError((err, c) => errorJson(c, err));
  return app;
}
