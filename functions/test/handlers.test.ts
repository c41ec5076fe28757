import { openObjectStore } from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BACKBONE,
  jpeg,
  LABELS,
  type ServingFixture,
  servingFixture,
} from "../../test/integration/serving/support/fixtures.js";
import { apiEvent } from "./support/api-event.js";
import { lambdaTestEnv } from "./support/lambda-env.js";

type Handler = (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let embed: Handler;
let classify: Handler;
let jobs: Handler;
let fx: ServingFixture;
let bucket: string;
let img: Buffer;

async function call(h: Handler, e: APIGatewayProxyEventV2) {
  const r = await h(e);
  return { status: r.statusCode, json: JSON.parse(r.body ?? "null") as Record<string, unknown> };
}

describe("Lambda handlers (API Gateway v2 events, moto S3)", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    bucket = await lambdaTestEnv("serving", {
      RESIDUAL_DEFAULT_BACKBONE: BACKBONE,
      // A model that does not exist must not break the init phase.
      RESIDUAL_PRELOAD: "pets, ghost",
    });
    fx = await servingFixture(openObjectStore(`s3://${bucket}`));
    img = await jpeg(48, 40);
    await fx.store.put("uploads/cat.jpg", img);
    embed = (await import("../src/embed.js")).handler;
    classify = (await import("../src/classify.js")).handler;
    jobs = (await import("../src/jobs.js")).handler;
  });

  it("loads RESIDUAL_PRELOAD models during init, before any request", async () => {
    const health = await call(jobs, apiEvent({ method: "GET", path: "/healthz", routeKey: "$default" }));
    expect(health.json).toMatchObject({ ok: true, loaded: [expect.stringMatching(/^models\/pets\//)] });
  });

  it("embeds a binary (base64-encoded) JPEG body with the backbone", async () => {
    const r = await call(
      embed,
      apiEvent({ method: "POST", path: "/v1/embeddings", contentType: "image/jpeg", body: img }),
    );
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ model: BACKBONE, dim: 64 });
    expect(Math.hypot(...(r.json.embeddings as number[][])[0]!)).toBeCloseTo(1, 5);
  });

  it("classifies JSON with an s3:// image from the configured bucket only", async () => {
    const body = (s3: string) => JSON.stringify({ model: "pets", images: [{ s3 }], topK: 3 });
    const ev = (s3: string) =>
      apiEvent({ method: "POST", path: "/v1/classify", contentType: "application/json", body: body(s3) });
    const ok = await call(classify, ev(`s3://${bucket}/uploads/cat.jpg`));
    expect(ok.status).toBe(200);
    const preds = (ok.json.results as Array<{ predictions: Array<{ label: string }> }>)[0]!.predictions;
    expect(preds.map((p) => p.label).sort()).toEqual([...LABELS].sort());
    expect((await call(classify, ev("s3://another-bucket/uploads/cat.jpg"))).json.error).toMatchObject({
      code: "s3_not_allowed",
    });
    expect((await call(classify, ev(`s3://${bucket}/uploads/missing.jpg`))).status).toBe(404);
  });

  it("serves jobs and models by route template and under $default", async () => {
    const job = await call(
      jobs,
      apiEvent({
        method: "GET",
        path: "/v1/jobs/job-1",
        routeKey: "GET /v1/jobs/{id}",
        pathParameters: { id: "job-1" },
      }),
    );
    expect(job).toEqual({ status: 200, json: { id: "job-1", state: "running" } });
    const missing = await call(jobs, apiEvent({ method: "GET", path: "/v1/jobs/zz", routeKey: "$default" }));
    expect(missing).toMatchObject({ status: 404, json: { error: { code: "job_not_found" } } });
    const models = await call(jobs, apiEvent({ method: "GET", path: "/v1/models", routeKey: "$default" }));
    expect(models.json.models).toEqual([{ name: "pets", latest: fx.version }]);
  });

  it("writes EMF lines with the local /metrics names: requests by route and status, batch sizes", async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(
        ...String(chunk)
          .split("\n")
          .filter((l) => l.includes('"_aws"')),
      );
      return true;
    }) as typeof process.stdout.write;
    try {
      const ev = apiEvent({ method: "POST", path: "/v1/classify", contentType: "image/jpeg", body: img });
      expect((await classify({ ...ev, queryStringParameters: { model: "pets" } })).statusCode).toBe(200);
    } finally {
      process.stdout.write = write;
    }
    const blobs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const request = blobs.find((b) => "residual_http_requests_total" in b);
    expect(request).toMatchObject({
      route: "POST /v1/classify",
      status: "200",
      residual_http_requests_total: 1,
      _aws: {
        CloudWatchMetrics: [
          { Namespace: "Residual", Dimensions: [expect.arrayContaining(["route", "status"])] },
        ],
      },
    });
    expect(request?.residual_http_request_duration_seconds).toBeGreaterThan(0);
    const core = blobs.find((b) => "residual_model_cache_bytes" in b);
    expect(core?.residual_ort_batch_size).toBe(1);
    expect(core?.residual_model_cache_hits_total).toBeGreaterThanOrEqual(1);
  });

  it("uploads a dataset archive to the bucket's datasets/ (the dashboard's upload on AWS)", async () => {
    const archive = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(60)]);
    const ev = apiEvent({
      method: "POST",
      path: "/v1/datasets",
      contentType: "application/gzip",
      body: archive,
    });
    const r = await call(jobs, { ...ev, queryStringParameters: { name: "pets2" } });
    expect(r).toMatchObject({ status: 200, json: { key: "datasets/pets2.tar.gz", bytes: archive.length } });
    expect(r.json.jobId).toMatch(/^pets2-[0-9a-f]{16}$/);
    expect((await fx.store.head("datasets/pets2.tar.gz"))?.size).toBe(archive.length);
  });

  it("maps client mistakes to 4xx", async () => {
    const post = (contentType: string, body: string | Buffer) =>
      call(embed, apiEvent({ method: "POST", path: "/v1/embeddings", contentType, body }));
    expect((await post("application/json", "{")).status).toBe(400);
    expect((await post("text/plain", "x")).status).toBe(415);
    const notPng = await post("image/png", Buffer.from("not a png"));
    expect([notPng.status, notPng.json.error]).toEqual([
      400,
      expect.objectContaining({ code: "image_not_an_image" }),
    ]);
    expect((await post("image/jpeg", Buffer.alloc(6 * 1024 * 1024 + 1))).status).toBe(413);
  });
});
