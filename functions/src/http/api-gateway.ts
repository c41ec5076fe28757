/**
 * API Gateway HTTP API (payload v2) ↔ the serving route table: decode the body (base64 when binary), find the
 * route by `routeKey` (or by path under `$default`), and turn the route's result into a Lambda proxy result.
 */
import {
  API_ROUTES,
  type ApiResponse,
  dispatch,
  type RouteErrorLog,
  runRoute,
  type ServingCore,
} from "@residual/pipeline/serving";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** Lower-cased header lookup (API Gateway v2 already lower-cases, tests may not). */
function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

/**
 * Serve one event through the shared routes; never throws. A 5xx's stack goes to `onError` (the handler's
 * logger, which carries the request id).
 * @example
 * export const handler = (e: APIGatewayProxyEventV2) => handleApiEvent(core, e);
 */
export async function handleApiEvent(
  core: ServingCore,
  event: APIGatewayProxyEventV2,
  onError?: RouteErrorLog,
): Promise<ApiResponse> {
  const body = event.body
    ? Buffer.from(event.body, event.isBase64Encoded ? "base64" : "utf8")
    : Buffer.alloc(0);
  const contentType = header(event, "content-type");
  const req = { body, query: event.queryStringParameters ?? {}, ...(contentType ? { contentType } : {}) };
  const route = API_ROUTES.find((r) => `${r.method} ${r.path}` === event.routeKey);
  if (route) {
    const params = Object.fromEntries(
      Object.entries(event.pathParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
    );
    return runRoute(core, route, { ...req, params }, onError);
  }
  return dispatch(core, event.requestContext.http.method, event.rawPath, req, onError);
}

/** @example toProxyResult({ status: 200, body: { ok: true } }) */
export function toProxyResult(res: ApiResponse): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: res.status,
    headers: { "content-type": "application/json", ...res.headers },
    body: JSON.stringify(res.body),
  };
}
