/**
 * The API's one route table, as plain data: the local server (hono), the Lambda dispatch, the OpenAPI document
 * and the CDK stack's API Gateway routes are all built from it, so a route added here exists everywhere. It
 * imports nothing, so the CDK app can read it without loading the serving code.
 */

/**
 * The Lambda function that serves a route on AWS (one container image, one handler each).
 * @example
 * const serving: ApiFunction = ROUTES.find((r) => r.id === "classify")!.function; // "classify"
 */
export type ApiFunction = "embed" | "classify" | "jobs";

/**
 * One route: a stable id (what the handlers and the OpenAPI operations are keyed by), method, OpenAPI-style path
 * (`/v1/models/{name}`), the Lambda function behind it and a one-line summary.
 * @example
 * const route: RouteSpec = { id: "healthz", method: "GET", path: "/healthz", function: "jobs", summary: "Liveness" };
 */
export interface RouteSpec {
  readonly id: RouteId;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly function: ApiFunction;
  readonly summary: string;
}

/**
 * The ids of {@link ROUTES}.
 * @example
 * const id: RouteId = "classify";
 */
export type RouteId =
  | "embeddings"
  | "classify"
  | "neighbours"
  | "models"
  | "model"
  | "model-version"
  | "jobs"
  | "job"
  | "job-report"
  | "job-log"
  | "upload"
  | "healthz"
  | "livez"
  | "readyz"
  | "openapi";

/**
 * Every route of the API.
 * @example
 * ROUTES.map((r) => `${r.method} ${r.path}`); // ["POST /v1/embeddings", "POST /v1/classify", …]
 */
export const ROUTES: readonly RouteSpec[] = [
  {
    id: "embeddings",
    method: "POST",
    path: "/v1/embeddings",
    function: "embed",
    summary: "Image embeddings",
  },
  { id: "classify", method: "POST", path: "/v1/classify", function: "classify", summary: "Classify images" },
  {
    id: "neighbours",
    method: "POST",
    path: "/v1/neighbours",
    function: "classify",
    summary: "The nearest stored validation images of a model (key, label, cosine similarity, thumbnail)",
  },
  { id: "models", method: "GET", path: "/v1/models", function: "jobs", summary: "List published models" },
  {
    id: "model",
    method: "GET",
    path: "/v1/models/{name}",
    function: "jobs",
    summary: "Describe a model (versions, labels, metrics)",
  },
  {
    id: "model-version",
    method: "GET",
    path: "/v1/models/{name}/versions/{version}",
    function: "jobs",
    summary: "One version: files, metrics (curves, confusion, per-class), calibration, model card",
  },
  {
    id: "jobs",
    method: "GET",
    path: "/v1/jobs",
    function: "jobs",
    summary: "Every job's status, newest first",
  },
  {
    id: "job",
    method: "GET",
    path: "/v1/jobs/{id}",
    function: "jobs",
    summary: "A training job's status.json",
  },
  {
    id: "job-report",
    method: "GET",
    path: "/v1/jobs/{id}/report",
    function: "jobs",
    summary: "A job's dataset report (classes, counts, skipped images, warnings)",
  },
  { id: "job-log", method: "GET", path: "/v1/jobs/{id}/log", function: "jobs", summary: "A job's log lines" },
  {
    id: "upload",
    method: "POST",
    path: "/v1/datasets",
    function: "jobs",
    summary: "Upload a dataset archive (?name=…; zip, tar or tar.gz body): starts a training job",
  },
  { id: "healthz", method: "GET", path: "/healthz", function: "jobs", summary: "Liveness and loaded models" },
  { id: "livez", method: "GET", path: "/livez", function: "jobs", summary: "Liveness probe" },
  {
    id: "readyz",
    method: "GET",
    path: "/readyz",
    function: "jobs",
    summary: "Readiness probe: 200 once preloaded models are warm, 503 before",
  },
  { id: "openapi", method: "GET", path: "/openapi.json", function: "jobs", summary: "This document" },
];

/**
 * The `{param}` names of a route path, in order.
 * @example
 * pathParams("/v1/models/{name}"); // ["name"]
 */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}
