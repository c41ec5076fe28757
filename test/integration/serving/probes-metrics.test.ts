/**
 * The operator surface of a real local server (`startServer` on a port, a local bucket): `/livez`, `/readyz`
 * (503 while a preload is still loading, 200 after), `/metrics` in Prometheus text (requests by route and status,
 * latency histograms, job counts by state, a running job's images/s), request ids and JSON request logs, and the
 * dataset upload route the dashboard uses.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  claimJob,
  LocalObjectStore,
  lineLogger,
  type RunningServer,
  ServingCore,
  startServer,
} from "@residual/pipeline";
import { shapesDatasetFiles, writeDatasetArchive } from "@residual/pipeline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTempDir } from "../../support/temp-dir.js";

const dir = useTempDir("residual-probes-");
let server: RunningServer;
let core: ServingCore;
let store: LocalObjectStore;
const logLines: string[] = [];

beforeAll(async () => {
  store = new LocalObjectStore(join(dir(), "bucket"));
  core = new ServingCore({ store, ortThread: "main" });
  const log = lineLogger("json", "residual-serve", (l) => logLines.push(l));
  server = await startServer({ core, port: 0, log });
  const event = { bucket: "local", key: "datasets/a.zip", etag: "e1", kind: "archive" as const };
  await claimJob(store, "a-1", event);
  const running = await claimJob(store, "b-2", { ...event, key: "datasets/b.zip" });
  const status = {
    ...running.status,
    state: "running",
    progress: { epoch: 1, epochs: 3, imagesPerSecond: 123.5 },
  };
  await store.put("jobs/b-2/status.json", JSON.stringify(status));
});

afterAll(async () => {
  await server?.close();
  await core?.close();
});

const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

describe("probes and /metrics on a real local server", () => {
  it("answers /livez at once and /readyz 503 while a preload runs and after one failed", async () => {
    expect((await get("/livez")).status).toBe(200);
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, loaded: [] });
    const preload = core.preload("no-such-model").catch((e: Error) => e);
    const before = await get("/readyz");
    expect(before.status).toBe(503);
    expect(((await before.json()) as { error: { code: string } }).error.code).toBe("not_ready");
    expect(await preload).toBeInstanceOf(Error);
    expect((await get("/readyz")).status).toBe(503);
    expect((await get("/livez")).status).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
  });

  it("uploads an archive to datasets/ and names its job; refuses a body that is no archive", async () => {
    const archive = join(dir(), "up.tar.gz");
    await writeDatasetArchive(archive, await shapesDatasetFiles({ classes: 2, perClass: 2 }), {});
    const ok = await get("/v1/datasets?name=My Shapes", { method: "POST", body: await readFile(archive) });
    const body = (await ok.json()) as { key: string; jobId: string };
    expect(ok.status).toBe(200);
    expect(body.key).toBe("datasets/my-shapes.tar.gz");
    expect(body.jobId).toMatch(/^my-shapes-[0-9a-f]{16}$/);
    expect(await store.head("datasets/my-shapes.tar.gz")).toBeDefined();
    const bad = await get("/v1/datasets?name=x", { method: "POST", body: "not an archive" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("unsupported_archive");
  });

  it("exposes request counts, latency, job states and training throughput in Prometheus text", async () => {
    const res = await get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('residual_http_requests_total{route="livez",method="GET",status="200"} 2');
    expect(text).toContain('residual_http_requests_total{route="readyz",method="GET",status="503"} 2');
    expect(text).toContain('residual_http_requests_total{route="upload",method="POST",status="400"} 1');
    expect(text).toMatch(
      /residual_http_request_duration_seconds_bucket\{route="readyz",method="GET",status="200",le="\+Inf"\} 1/,
    );
    expect(text).toContain('residual_jobs{state="queued"} 1');
    expect(text).toContain('residual_jobs{state="running"} 1');
    expect(text).toContain('residual_training_images_per_second{job="b-2"} 123.5');
    expect(text).toContain("# TYPE residual_model_cache_hits_total counter");
  });

  it("documents the dashboard's routes and the probes in /openapi.json", async () => {
    const doc = (await (await get("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/v1/datasets"]!)).toEqual(["post"]);
    for (const path of ["/v1/jobs", "/v1/jobs/{id}/report", "/v1/jobs/{id}/log", "/livez", "/readyz"])
      expect(Object.keys(doc.paths[path]!), path).toEqual(["get"]);
    expect(doc.paths["/v1/models/{name}/versions/{version}"]).toBeDefined();
  });

  it("echoes or makes a request id, and logs every request as JSON with it", async () => {
    const res = await get("/livez", { headers: { "x-request-id": "req-42" } });
    expect(res.headers.get("x-request-id")).toBe("req-42");
    expect((await get("/livez")).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const entries = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.length).toBeGreaterThan(5);
    for (const e of entries) expect(e).toMatchObject({ message: "request", service: "residual-serve" });
    for (const e of entries) expect(typeof e.requestId).toBe("string");
    expect(entries.some((e) => e.requestId === "req-42" && e.route === "livez")).toBe(true);
  });
});
