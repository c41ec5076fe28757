/**
 * The hono app of the local server: every route of the shared table (`API_ROUTES`), a 6 MB body limit,
 * and JSON errors for unknown routes. The Lambda handlers serve the same table.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { MAX_BODY_BYTES } from "../serving/api-request.js";
import { API_ROUTES, runRoute } from "../serving/api-routes.js";
import type { ServingCore } from "../serving/serving-core.js";

/** `/v1/models/{name}` → `/v1/models/:name`. */
function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ":$1");
}

/**
 * @example
 * const app = createApp(new ServingCore({ store }));
 * const res = await app.request("/healthz");
 */
export function createApp(core: ServingCore): Hono {
  const app = new Hono();
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) =>
      c.json(
        { error: { code: "body_too_large", message: `request body exceeds ${MAX_BODY_BYTES} bytes` } },
        413,
      ),
  });
  for (const route of API_ROUTES) {
    const handler = async (c: import("hono").Context) => {
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
  app.notFound((c) =>
    c.json(
      { error: { code: "route_not_found", message: `no route for ${c.req.method} ${c.req.path}` } },
      404,
    ),
  );
  app.onError((_err, c) =>
    c.json({ error: { code: "internal_error", message: "internal server error" } }, 500),
  );
  return app;
}
