import { createOnnxEngine } from "@residual/pipeline";
import {
  type LoadedSession,
  onnxSessionOptions,
  openOnnxEngine,
  openOrtSession,
  optimizedModelKey,
  ortVersion,
} from "@residual/pipeline/testing";
import { createResNet, exportOnnx, initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "./support/memory-store.js";

const PREFIX = "models/tiny/v1/";
let model: Uint8Array;

async function cacheKey(store: MemoryStore): Promise<string> {
  return optimizedModelKey(PREFIX, (await store.head(`${PREFIX}model.onnx`))!, ortVersion());
}

/** `model.onnx`'s description, as resolving the model hands it to the loader. */
async function onnxInfo(store: MemoryStore) {
  return (await store.head(`${PREFIX}model.onnx`))!;
}

function openSession(
  store: MemoryStore,
  options: ReturnType<typeof onnxSessionOptions>,
): Promise<LoadedSession> {
  return onnxInfo(store).then((info) => openOrtSession({ store, prefix: PREFIX }, info, options, "worker"));
}

async function features(store: MemoryStore): Promise<Float32Array> {
  const engine = await openOnnxEngine({ store, prefix: PREFIX }, await onnxInfo(store), "worker");
  try {
    const x = new Float32Array(32 * 32 * 3).map((_, i) => Math.cos(i * 0.05));
    return (await engine.run(x, 1, 32)).features;
  } finally {
    await engine.dispose();
  }
}

describe("ORT-format session cache", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    const m = createResNet("cifar_resnet20", { seed: 8, numClasses: 2 });
    model = exportOnnx(m);
    m.dispose();
  });

  it("optimises once, saves next to the model, and later loads from the cache with the same outputs", async () => {
    const store = new MemoryStore();
    await store.put(`${PREFIX}model.onnx`, model);
    const first = await openSession(store, onnxSessionOptions(1));
    expect(first.source).toBe("onnx");
    await first.saved;
    await first.runner.release();
    const key = await cacheKey(store);
    expect(key).toMatch(/^models\/tiny\/v1\/ort-cache\/.+\.ort$/);
    expect((await store.head(key))?.size).toBeGreaterThan(1000);
    const second = await openSession(store, onnxSessionOptions(1));
    expect(second.source).toBe("cache");
    await second.runner.release();
    const fromCache = await features(store);
    await store.delete(key);
    const fromOnnx = await features(store);
    expect(Math.max(...Array.from(fromCache, (v, i) => Math.abs(v - fromOnnx[i]!)))).toBeLessThan(1e-5);
  });

  it("replaces an unreadable cache file and keys the cache by the model's ETag", async () => {
    const store = new MemoryStore();
    await store.put(`${PREFIX}model.onnx`, model);
    const key = await cacheKey(store);
    await store.put(key, Buffer.from("not an ort file"));
    const s = await openSession(store, onnxSessionOptions(1));
    expect(s.source).toBe("onnx");
    await s.saved;
    await s.runner.release();
    expect((await store.get(key)).length).toBeGreaterThan(1000);
    await store.put(`${PREFIX}model.onnx`, model); // the same bytes again: same ETag, same cache
    expect(await cacheKey(store)).toBe(key);
    const other = { ...(await store.head(`${PREFIX}model.onnx`))!, etag: "changed" };
    expect(optimizedModelKey(PREFIX, other, ortVersion())).not.toBe(key);
  });

  it("serves from a store it cannot write to", async () => {
    const store = new MemoryStore();
    await store.put(`${PREFIX}model.onnx`, model);
    store.put = async () => {
      throw new Error("AccessDenied");
    };
    const s = await openSession(store, onnxSessionOptions(1));
    await expect(s.saved).resolves.toBeUndefined();
    expect(s.runner.outputs).toEqual(["features", "logits"]);
    await s.runner.release();
  });

  it("copies a Buffer view of the model instead of moving (and detaching) the memory behind it", async () => {
    // A Buffer inside a larger allocation, as pooled or concatenated reads give: Buffer#slice would be a view.
    const shared = Buffer.concat([Buffer.alloc(64, 7), Buffer.from(model)]);
    const view = shared.subarray(64);
    const engine = await createOnnxEngine(view, { session: onnxSessionOptions(1) });
    try {
      expect(shared.byteLength).toBe(64 + model.byteLength);
      expect(view.equals(Buffer.from(model))).toBe(true);
      const out = await engine.run(new Float32Array(32 * 32 * 3).fill(0.5), 1, 32);
      expect(out.featureDim).toBeGreaterThan(0);
    } finally {
      await engine.dispose();
    }
  });

  it("reports a model ORT cannot read as invalid_model_file", async () => {
    const store = new MemoryStore();
    await store.put(`${PREFIX}model.onnx`, Buffer.from("garbage"));
    await expect(
      openOnnxEngine({ store, prefix: PREFIX }, await onnxInfo(store), "worker"),
    ).rejects.toMatchObject({
      code: "invalid_model_file",
      status: 500, // a corrupt file in the bucket is the server's fault
    });
  });
});
