/** Factory for API Gateway HTTP API (payload v2) events, as the real integration sends them. */
import type { APIGatewayProxyEventV2 } from "aws-lambda";

export interface ApiEventInit {
  method: "GET" | "POST";
  /** Concrete path: `/v1/models/pets`. */
  path: string;
  /** Route template (`GET /v1/models/{name}`), or `$default` for a catch-all route. @default `${method} ${path}` */
  routeKey?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  contentType?: string;
  /** Binary bodies are base64-encoded, as API Gateway does for non-text media types. */
  body?: Buffer | string;
}

export function apiEvent(init: ApiEventInit): APIGatewayProxyEventV2 {
  const binary = Buffer.isBuffer(init.body);
  return {
    version: "2.0",
    routeKey: init.routeKey ?? `${init.method} ${init.path}`,
    rawPath: init.path,
    rawQueryString: new URLSearchParams(init.query ?? {}).toString(),
    headers: init.contentType ? { "content-type": init.contentType } : {},
    ...(init.query ? { queryStringParameters: init.query } : {}),
    ...(init.pathParameters ? { pathParameters: init.pathParameters } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: {
        method: init.method,
        path: init.path,
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "vitest",
      },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: init.routeKey ?? `${init.method} ${init.path}`,
      stage: "$default",
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: binary,
    ...(init.body !== undefined
      ? { body: binary ? (init.body as Buffer).toString("base64") : (init.body as string) }
      : {}),
  };
}
