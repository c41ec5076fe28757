/**
 * The API's route table, used by both the local server (hono) and the Lambda handlers, so the routes are the
 * same everywhere. Each handler returns a status and a JSON body; errors become responses in `errorResponse`.
 */
import { isResidualError, MethodNotAllowedError, NotFoundError, TransientError } from "../../errors.js";
import { readJobLog, readJobReport } from "../../jobs/job-documents.js";
import { listJobs } from "../../jobs/job-status.js";
import { uploadArchive } from "../../jobs/upload-archive.js";
import { describeVersion } from "../../registry/describe-version.js";
import { storeFingerprint } from "../../store/store-fingerprint.js";
import type { ServingCore } from "../serving-core.js";
import { type ApiRequest, parseApiRequest } from "./api-request.js";
import { errorResponse } from "./error-response.js";
import { openApiDocument } from "./openapi.js";
import { ROUTES, type RouteId, type RouteSpec } from "./routes.js";

/**
 * A route's answer: HTTP status and JSON body (front ends serialise it).
 * @example
 * const { status, body }: ApiResponse = await dispatch(core, "GET", "/healthz", { body: Buffer.alloc(0), query: {} });
 */
export interface ApiResponse {
  status: number;
  body: unknown;
  /** Extra response headers (the `Allow` of a 405). */
  headers?: Record<string, string>;
}

export interface RouteContext extends ApiRequest {
  /** Path parameters (`{name}`, `{id}`). */
  params: Readonly<Record<string, string>>;
}

/**
 * A route of the table with what it does.
 * @example
 * const route = API_ROUTES.find((r) => r.id === "healthz")!;
 */
export interface ApiRoute extends RouteSpec {
  handle(core: ServingCore, ctx: RouteContext): Promise<unknown>;
}

const HANDLERS: Record<RouteId, ApiRoute["handle"]> = {
  embeddings: (core, ctx) => core.embed(parseApiRequest("embeddings", ctx)),
  classify: (core, ctx) => core.classify(parseApiRequest("classify", ctx)),
  neighbours: (core, ctx) => core.neighbours(parseApiRequest("neighbours", ctx)),
  models: async (core) => ({ models: await core.models() }),
  model: (core, ctx) => core.model(ctx.params.name ?? ""),
  "model-version": (core, ctx) =>
    describeVersion(core.store, ctx.params.name ?? "", ctx.params.version ?? ""),
  jobs: async (core) => ({ jobs: await listJobs(core.store) }),
  job: (core, ctx) => core.job(ctx.params.id ?? ""),
  healthz: async (core) => ({ ok: true, loaded: core.loadedModels(), store: storeFingerprint(core.store) }),
  "job-report": (core, ctx) => readJobReport(core.store, ctx.params.id ?? ""),
  "job-log": (core, ctx) => readJobLog(core.store, ctx.params.id ?? ""),
  upload: (core, ctx) => uploadArchive(core.store, ctx.query.name, ctx.body),
  livez: async () => ({ ok: true }),
  readyz: async (core) => {
    if (!core.ready()) throw new TransientError("not_ready", "preloaded models are still loading");
    return { ready: true, loaded: core.loadedModels() };
  },
  openapi: async () => openApiDocument(),
};

/**
 * The route table ({@link ROUTES}) with its handlers: what the local server and the Lambda dispatch serve.
 * @example
 * for (const route of API_ROUTES) app.on(route.method, route.path, …);
 */
export const API_ROUTES: readonly ApiRoute[] = ROUTES.map((r) => ({ ...r, handle: HANDLERS[r.id] }));

/**
 * Where a route's server-side failure (a 5xx) is logged with its stack: the front end's logger, which knows the
 * request id (the local server's JSON lines, Powertools Logger in Lambda).
 * @example
 * const onError: RouteErrorLog = (err, route) => log.entry("ERROR", "route failed", { requestId, route: route.id, error: String(err) });
 */
export type RouteErrorLog = (err: unknown, route: RouteSpec) => void;

/** Without a front end's logger: one stderr line, the stack included. */
const stderrErrorLog: RouteErrorLog = (err, route) =>
  process.stderr.write(`[residual] ${route.method} ${route.path}: ${(err as Error)?.stack ?? err}\n`);

/**
 * Run one route and map any error; never throws. A 5xx goes to `onError` with its stack (the response hides it).
 * @example
 * const { status, body } = await runRoute(core, route, { body, contentType, query: {}, params: {} });
 */
export async function runRoute(
  core: ServingCore,
  route: ApiRoute,
  ctx: RouteContext,
  onError: RouteErrorLog = stderrErrorLog,
): Promise<ApiResponse> {
  try {
    return { status: 200, body: await route.handle(core, ctx) };
  } catch (err) {
    const res = errorResponse(err);
    // The response hides server-side details; the log must not.
    if (res.status >= 500 && !(isResidualError(err) && err.code === "not_ready")) onError(err, route);
    return res;
  }
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const a = pattern.split("/");
  const b = path.split("/");
  if (a.length !== b.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const seg = a[i]!;
    if (seg.startsWith("{") && seg.endsWith("}")) {
      if (!b[i]) return undefined;
      params[seg.slice(1, -1)] = decodeURIComponent(b[i]!);
    } else if (seg !== b[i]) return undefined;
  }
  return params;
}

/**
 * The answer for a request no route takes: 405 with `Allow` when the path exists under other methods, else 404.
 * The local server and the Lambda dispatch both answer with it, so a wrong method reads the same everywhere.
 * @example
 * unmatchedRoute("DELETE", "/v1/models"); // { status: 405, headers: { allow: "GET" }, body: … }
 */
export function unmatchedRoute(method: string, path: string): ApiResponse {
  const allowed = new Set<string>();
  for (const route of API_ROUTES) {
    try {
      if (matchPath(route.path, path)) allowed.add(route.method);
    } catch {
      // malformed %-escape: no route can match it
    }
  }
  if (allowed.size === 0)
    return errorResponse(new NotFoundError("route_not_found", `no route for ${method} ${path}`));
  const allow = [...allowed].sort().join(", ");
  const res = errorResponse(
    new MethodNotAllowedError(
      "method_not_allowed",
      `${method} is not allowed on ${path} (allowed: ${allow})`,
    ),
  );
  return { ...res, headers: { allow } };
}

/**
 * Route by method and path (for front ends without their own router, like Lambda); 404/405 as JSON.
 * @example
 * const res = await dispatch(core, "GET", "/v1/models", { body: Buffer.alloc(0), query: {} });
 */
export async function dispatch(
  core: ServingCore,
  method: string,
  path: string,
  req: ApiRequest,
  onError?: RouteErrorLog,
): Promise<ApiResponse> {
  for (const route of API_ROUTES) {
    let params: Record<string, string> | undefined;
    try {
      params = matchPath(route.path, path);
    } catch {
      params = undefined; // malformed %-escape: no route can match it
    }
    if (params && route.method === method.toUpperCase())
      return runRoute(core, route, { ...req, params }, onError);
  }
  return unmatchedRoute(method, path);
}
