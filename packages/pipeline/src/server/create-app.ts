/**
 * The hono app of the local server: every route of the shared table (`API_ROUTES`), a 6 MB body limit,
 * and JSON errors for unknown routes. The Lambda handlers serve the same table.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { PayloadTooLargeError } from "../errors.js";
import { MAX_BODY_BYTES } from "../serving/api/api-request.js";
import { API_ROUTES, runRoute, unmatchedRoute } from "../serving/api/api-routes.js";
import { errorResponse } from "../serving/api/error-response.js";
import type { ServingCore } from "../serving/serving-core.js";

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
 * The hono app of the local server: every route of the shared table, a 6 MB body limit, JSON errors.
 * @example
 * const app = createApp(new ServingCore({ store }));
 * const res = await app.request("/healthz");
 */
export function createApp(core: ServingCore): Hono {
  const app = new Hono();
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
  app.notFound((c) => {
    const res = unmatchedRoute(c.req.method, c.req.path);
    return c.json(res.body as object, res.status as ContentfulStatusCode, res.headers);
  });
  app.onError((err, c) => errorJson(c, err));
  return app;
}
