/**
 * Nearest validation neighbours: a trained version stores its validation images' L2-normalised embeddings
 * (`neighbours.json` + `neighbours.bin` + thumbnails), each row the embedding the serving engine returns for that
 * image, and `POST /v1/neighbours` answers from them on the local store and on S3 (moto); a model without them
 * is a 404 `neighbours_not_stored`.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type Dataset,
  disposeDataset,
  LocalObjectStore,
  loadDataset,
  type ObjectStore,
  publishModel,
  runTrainingJob,
  S3ObjectStore,
} from "@residual/pipeline";
import { dispatch, ServingCore } from "@residual/pipeline/serving";
import { initBackend } from "@residual/resnet";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestConfig, uniqueName } from "../../support/aws.js";
import { makeShapesDataset } from "../../support/images.js";

const spec = { name: "near", arch: "cifar_resnet20", imageSize: 32, epochs: 1, batchSize: 8, seed: 3 };
const CLASSES = ["circle", "square", "cross"] as const;

let store: LocalObjectStore;
let dataset: Dataset;
let version: string;
const prefix = () => `models/near/${version}/`;

/** The bytes of the validation image stored under dataset key `key`. */
async function imageOf(key: string): Promise<Buffer> {
  const sample = dataset.val.find((s) => s.path === key);
  if (sample?.ref.kind !== "store") throw new Error(`no stored validation image ${key}`);
  return store.get(sample.ref.key);
}

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
  store = new LocalObjectStore(await mkdtemp(join(tmpdir(), "residual-neigh-")));
  const files = await makeShapesDataset({ classes: [...CLASSES], perClass: 8, width: 36, height: 36 });
  for (const [path, bytes] of files) await store.put(`datasets/shapes/${path}`, bytes);
  await store.put("datasets/shapes/residual.json", JSON.stringify(spec));
  dataset = await loadDataset(store, "datasets/shapes/", { valFraction: 0.34 });
  const r = await runTrainingJob({ store, jobId: "near-1", dataset, log: () => undefined });
  version = r.version;
}, 240_000);

afterAll(async () => {
  if (dataset) await disposeDataset(dataset);
});

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

async function storedRows(s: ObjectStore) {
  const index = JSON.parse((await s.get(`${prefix()}neighbours.json`)).toString());
  const bin = await s.get(`${prefix()}neighbours.bin`);
  const row = (i: number) =>
    Array.from({ length: index.dim }, (_, j) => bin.readFloatLE((i * index.dim + j) * 4));
  return { index, row };
}

const post = (core: ServingCore, body: unknown) =>
  dispatch(core, "POST", "/v1/neighbours", {
    contentType: "application/json",
    body: Buffer.from(JSON.stringify(body)),
    query: {},
  });

describe("stored validation embeddings", () => {
  it("stores every validation image, unit-norm, as the serving engine embeds it, and records it", async () => {
    const { index, row } = await storedRows(store);
    expect(index.count).toBe(dataset.val.length);
    expect(index.total).toBe(dataset.val.length);
    expect(index.dtype).toBe("float32");
    expect(index.rows.map((r: { key: string }) => r.key)).toEqual(dataset.val.map((s) => s.path));
    expect(index.rows.map((r: { label: string }) => r.label)).toEqual(
      dataset.val.map((s) => dataset.classes[s.label]),
    );
    const core = new ServingCore({ store, ortThread: "main" });
    try {
      for (const i of [0, Math.floor(index.count / 2), index.count - 1]) {
        const stored = row(i);
        expect(Math.hypot(...stored)).toBeCloseTo(1, 4);
        const bytes = await imageOf(index.rows[i].key);
        const served = await core.embed({ model: "near", images: [{ bytes }], normalize: true, topK: 5 });
        expect(cosine(stored, served.embeddings[0]!)).toBeGreaterThan(0.999);
      }
    } finally {
      await core.close();
    }
    const metrics = JSON.parse((await store.get(`${prefix()}metrics.json`)).toString());
    expect(metrics.neighbours).toEqual({
      stored: true,
      count: index.count,
      total: index.count,
      dim: index.dim,
      thumbnails: true,
    });
    expect((await store.get(`${prefix()}model-card.md`)).toString()).toContain(
      "Nearest validation neighbours",
    );
  });
});

describe("the cap on stored rows", () => {
  it("keeps maxNeighbours rows, a per-class share, each row still the embedding of its own key", async () => {
    const r = await runTrainingJob({
      store,
      jobId: "near-cap",
      dataset,
      spec: { ...spec, name: "nearcap" },
      maxNeighbours: 4,
      log: () => undefined,
    });
    const index = JSON.parse((await store.get(`models/nearcap/${r.version}/neighbours.json`)).toString());
    const bin = await store.get(`models/nearcap/${r.version}/neighbours.bin`);
    expect([index.count, index.total, bin.length]).toEqual([4, dataset.val.length, 4 * index.dim * 4]);
    const labels = index.rows.map((row: { label: string }) => row.label);
    for (const c of CLASSES) expect(labels.filter((l: string) => l === c).length).toBeGreaterThanOrEqual(1);
    const core = new ServingCore({ store, ortThread: "main" });
    try {
      const last = index.count - 1;
      const stored = Array.from({ length: index.dim }, (_, j) => bin.readFloatLE((last * index.dim + j) * 4));
      const bytes = await imageOf(index.rows[last].key);
      const served = await core.embed({ model: "nearcap", images: [{ bytes }], normalize: true, topK: 5 });
      expect(cosine(stored, served.embeddings[0]!)).toBeGreaterThan(0.999);
    } finally {
      await core.close();
    }
  });
});

describe("POST /v1/neighbours", () => {
  let s3Store: S3ObjectStore;
  beforeAll(async () => {
    const bucket = uniqueName("neigh");
    await new S3Client(awsTestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
    s3Store = new S3ObjectStore({ ...awsTestConfig(), bucket });
    // The same version on S3: every file copied as published.
    for await (const o of store.list("models/near/")) await s3Store.put(o.key, await store.get(o.key));
  });

  for (const where of ["local", "s3"] as const) {
    it(`finds a validation image itself first, with thumbnails (${where} store)`, async () => {
      const s = where === "local" ? store : s3Store;
      const core = new ServingCore({ store: s, ortThread: "main" });
      try {
        const { index } = await storedRows(s);
        const key: string = index.rows[1].key;
        const bytes = await imageOf(key);
        const res = await post(core, {
          model: "near",
          images: [{ base64: bytes.toString("base64") }],
          k: 3,
          thumbnails: true,
        });
        expect(res.status).toBe(200);
        const body = res.body as {
          model: string;
          version: string;
          results: Array<{
            neighbours: Array<{ key: string; label: string; similarity: number; thumbnail?: string }>;
          }>;
        };
        expect(body).toMatchObject({ model: "near", version });
        const [first, ...rest] = body.results[0]!.neighbours;
        expect(body.results[0]!.neighbours).toHaveLength(3);
        expect(first!.key).toBe(key);
        expect(first!.label).toBe(index.rows[1].label);
        expect(first!.similarity).toBeGreaterThan(0.999);
        for (const n of rest) expect(n.similarity).toBeLessThanOrEqual(first!.similarity);
        const thumb = Buffer.from(first!.thumbnail!.replace(/^data:image\/jpeg;base64,/, ""), "base64");
        const meta = await sharp(thumb).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 64, 64]);
        // Without `thumbnails`, no data URLs.
        const plain = await dispatch(core, "POST", "/v1/neighbours", {
          contentType: "image/png",
          body: bytes,
          query: { model: "near", k: "2" },
        });
        const neighbours = (plain.body as typeof body).results[0]!.neighbours;
        expect(neighbours.map((n) => n.key)).toEqual(
          body.results[0]!.neighbours.slice(0, 2).map((n) => n.key),
        );
        expect(neighbours[0]!.thumbnail).toBeUndefined();
      } finally {
        await core.close();
      }
    });
  }

  it("answers 404 neighbours_not_stored for a model without them, 400 for k over 50", async () => {
    const files: Record<string, Buffer> = {};
    for (const f of ["model.onnx", "labels.json", "preprocess.json"])
      files[f] = await store.get(`${prefix()}${f}`);
    await publishModel(store, { name: "bare", files });
    const core = new ServingCore({ store, ortThread: "main" });
    try {
      const image = (await imageOf(dataset.val[0]!.path)).toString("base64");
      const missing = await post(core, { model: "bare", images: [{ base64: image }] });
      expect(missing.status).toBe(404);
      expect((missing.body as { error: { code: string } }).error.code).toBe("neighbours_not_stored");
      const tooMany = await post(core, { model: "near", images: [{ base64: image }], k: 51 });
      expect(tooMany.status).toBe(400);
    } finally {
      await core.close();
    }
  });

  it("is in the OpenAPI document with its request schema", async () => {
    const core = new ServingCore({ store, ortThread: "main" });
    const doc = (await dispatch(core, "GET", "/openapi.json", { body: Buffer.alloc(0), query: {} })).body as {
      paths: Record<string, { post?: unknown }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.paths["/v1/neighbours"]?.post).toBeDefined();
    expect(Object.keys(doc.components.schemas.NeighboursRequest?.properties ?? {})).toEqual(
      expect.arrayContaining(["images", "k", "thumbnails", "model"]),
    );
    await core.close();
  });
});
