import { preprocessEval, resolvePreprocessSpec } from "@residual/pipeline";
import { createResNet, initBackend } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BACKBONE,
  jpeg,
  LABELS,
  PREPROCESS,
  type ServingFixture,
  servingFixture,
} from "./support/fixtures.js";
import { type ServeProcess, spawnServe } from "./support/serve-process.js";

let fx: ServingFixture;
let srv: ServeProcess;
let img: Buffer;

async function post(path: string, body: string | Uint8Array, type: string) {
  const res = await fetch(`${srv.url}${path}`, { method: "POST", body, headers: { "content-type": type } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
const postJson = (path: string, body: unknown) => post(path, JSON.stringify(body), "application/json");
async function get(path: string) {
  const res = await fetch(`${srv.url}${path}`);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
const code = (r: { json: Record<string, unknown> }) => (r.json.error as { code: string }).code;

describe("residual serve (HTTP, real port)", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    fx = await servingFixture();
    img = await jpeg(48, 40);
    srv = await spawnServe(["--store", fx.dir], { RESIDUAL_DEFAULT_BACKBONE: BACKBONE });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it("embeds a raw JPEG with the default backbone, exporting and caching its ONNX", async () => {
    expect(await fx.store.head(`backbones/${BACKBONE}/model.onnx`)).toBeUndefined();
    const r = await post("/v1/embeddings", new Uint8Array(img), "image/jpeg");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ model: BACKBONE, version: BACKBONE, dim: 64 });
    const e = (r.json.embeddings as number[][])[0]!;
    expect(Math.hypot(...e)).toBeCloseTo(1, 5);
    expect(await fx.store.head(`backbones/${BACKBONE}/model.onnx`)).toBeDefined();
  });

  it("returns the same embeddings as the tfjs model on the same preprocessing (≤ 1e-4)", async () => {
    const r = await postJson("/v1/embeddings", {
      model: `pets@${fx.version}`,
      images: [{ base64: img.toString("base64") }, { base64: (await jpeg(64, 64, 9)).toString("base64") }],
      normalize: false,
    });
    expect(r.status).toBe(200);
    const got = r.json.embeddings as number[][];
    expect(got).toHaveLength(2);
    const model = createResNet("cifar_resnet20", { seed: 3, numClasses: LABELS.length });
    const x = await preprocessEval(img, resolvePreprocessSpec(PREPROCESS), { fast: true });
    const ref = tf.tidy(() => model.features(tf.tensor4d(x, [1, 32, 32, 3])).dataSync());
    model.dispose();
    const scale = Math.max(...Array.from(ref, Math.abs));
    const diff = Math.max(...Array.from(ref, (v, i) => Math.abs(v - got[0]![i]!)));
    expect(diff / scale).toBeLessThanOrEqual(1e-4);
  });

  it("classifies with labels, topK and calibrated scores", async () => {
    const r = await postJson("/v1/classify", {
      model: "pets",
      images: [{ base64: img.toString("base64") }],
      topK: 2,
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ model: "pets", version: fx.version });
    const [res] = r.json.results as Array<{
      predictions: Array<{ label: string; score: number }>;
      unknown: boolean;
    }>;
    expect(res!.predictions).toHaveLength(2);
    expect(LABELS).toContain(res!.predictions[0]!.label);
    expect(res!.predictions[0]!.score).toBeGreaterThanOrEqual(res!.predictions[1]!.score);
    const strict = await post("/v1/classify?model=pets&threshold=1", new Uint8Array(img), "image/jpeg");
    expect((strict.json.results as Array<{ unknown: boolean }>)[0]!.unknown).toBe(true);
  });

  it("lists and describes models, serves jobs, health and the OpenAPI document", async () => {
    expect((await get("/v1/models")).json.models).toEqual([{ name: "pets", latest: fx.version }]);
    expect((await get("/v1/models/pets")).json).toMatchObject({ name: "pets", labels: LABELS });
    expect((await get("/v1/jobs/job-1")).json).toEqual({ id: "job-1", state: "running" });
    expect((await get("/healthz")).json.ok).toBe(true);
    const doc = (await get("/openapi.json")).json as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/embeddings",
        "/v1/classify",
        "/v1/models/{name}",
        "/v1/jobs/{id}",
        "/healthz",
      ]),
    );
  });

  it("maps client mistakes to 4xx with a code, never 500", async () => {
    const b64 = img.toString("base64");
    const cases: Array<[Promise<{ status: number; json: Record<string, unknown> }>, number, string]> = [
      [post("/v1/embeddings", "{nope", "application/json"), 400, "malformed_json"],
      [postJson("/v1/embeddings", { images: [] }), 400, "invalid_request"],
      [postJson("/v1/embeddings", { images: [{ base64: "@@@" }] }), 400, "invalid_base64"],
      [postJson("/v1/embeddings", { images: [{ base64: "aGVsbG8gd29ybGQh" }] }), 400, "image_not_an_image"],
      [postJson("/v1/embeddings", { images: [{ s3: "s3://other/x.jpg" }] }), 400, "s3_not_allowed"],
      [postJson("/v1/classify", { model: "nope", images: [{ base64: b64 }] }), 404, "model_not_found"],
      [postJson("/v1/classify", { model: "pets@v0", images: [{ base64: b64 }] }), 404, "version_not_found"],
      [postJson("/v1/classify", { model: "../x", images: [{ base64: b64 }] }), 400, "invalid_model_name"],
      [get("/v1/models/nope"), 404, "model_not_found"],
      [get("/v1/jobs/nope"), 404, "job_not_found"],
      [postJson("/v1/embeddings", { images: Array(33).fill({ base64: b64 }) }), 413, "too_many_images"],
      [post("/v1/embeddings", new Uint8Array(7 * 1024 * 1024), "image/jpeg"), 413, "body_too_large"],
      [post("/v1/embeddings", "hello", "text/plain"), 415, "unsupported_media_type"],
      [post("/v1/embeddings", "hello, not a jpeg", "image/jpeg"), 400, "image_not_an_image"],
      [
        post("/v1/classify?model=pets", new Uint8Array(img.subarray(0, 40)), "image/jpeg"),
        400,
        "image_truncated",
      ],
      [get("/v1/nothing"), 404, "route_not_found"],
    ];
    for (const [res, status, c] of cases) {
      const r = await res;
      expect([r.status, code(r)]).toEqual([status, c]);
    }
    expect((await get("/healthz")).status).toBe(200);
  });

  it("decodes only JPEG, PNG and WebP, by the bytes: 415 for other formats, 400 for a declared-type mismatch", async () => {
    const px = sharp({ create: { width: 40, height: 40, channels: 3, background: "#c63" } });
    const gif = await px.clone().gif().toBuffer();
    const tiff = await px.clone().tiff().toBuffer();
    const png = await px.clone().png().toBuffer();
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40"/></svg>',
    );
    const b64 = (b: Buffer) => ({ base64: b.toString("base64") });
    const cases: Array<[Promise<{ status: number; json: Record<string, unknown> }>, number, string]> = [
      [post("/v1/embeddings", new Uint8Array(gif), "image/png"), 415, "unsupported_media_type"],
      [post("/v1/classify?model=pets", new Uint8Array(tiff), "image/jpeg"), 415, "unsupported_media_type"],
      [post("/v1/embeddings", new Uint8Array(svg), "image/png"), 415, "unsupported_media_type"],
      [postJson("/v1/embeddings", { images: [b64(img), b64(svg)] }), 415, "unsupported_media_type"],
      [postJson("/v1/classify", { model: "pets", images: [b64(gif)] }), 415, "unsupported_media_type"],
      [post("/v1/embeddings", new Uint8Array(img), "image/png"), 400, "media_type_mismatch"],
      [
        postJson("/v1/embeddings", {
          images: [{ base64: `data:image/webp;base64,${png.toString("base64")}` }],
        }),
        400,
        "media_type_mismatch",
      ],
    ];
    const named = await postJson("/v1/embeddings", { images: [b64(img), b64(svg)] });
    expect(named.json.error).toMatchObject({
      message: "images[1]: image format SVG is not accepted; send JPEG, PNG, WEBP",
    });
    for (const [res, status, c] of cases) {
      const r = await res;
      expect([r.status, code(r)]).toEqual([status, c]);
    }
    expect((await get("/healthz")).status).toBe(200);
  });
});
