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
    expect(health.json).toEqual({ ok: true, loaded: [expect.stringMatching(/^models\/pets\//)] });
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
