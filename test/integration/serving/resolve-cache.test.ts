import { publishModel, ServingCore } from "@residual/pipeline";
import { createResNet, exportOnnx, initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { jpeg } from "./support/fixtures.js";
import { MemoryStore } from "./support/memory-store.js";

/** A MemoryStore that counts reads of `models/<name>/latest`. */
class CountingStore extends MemoryStore {
  latestReads = 0;
  override async get(key: string): Promise<Buffer> {
    if (key.endsWith("/latest")) this.latestReads++;
    return super.get(key);
  }
}

let onnx: Uint8Array;
const files = () => ({ "model.onnx": onnx, "preprocess.json": JSON.stringify({ size: 32, resize: 32 }) });

describe("ServingCore resolves `latest` once per TTL, pinned versions once", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    const m = createResNet("cifar_resnet20", { seed: 4, numClasses: 2 });
    onnx = exportOnnx(m);
    m.dispose();
  });

  it("reuses a lookup within the TTL, sees a new version after it, never caches a miss", async () => {
    const store = new CountingStore();
    const core = new ServingCore({ store, resolveTtlMs: 300 });
    const req = (model: string) => ({ model, images: [{ bytes: img }], normalize: true, topK: 1 });
    const img = await jpeg(32, 32);
    await expect(core.embed(req("pets"))).rejects.toMatchObject({ code: "model_not_found" });
    const v1 = await publishModel(store, { name: "pets", files: files() });
    expect((await core.embed(req("pets"))).version).toBe(v1.version); // the miss was not cached
    const reads = store.latestReads;
    await Promise.all([core.embed(req("pets")), core.embed(req("pets"))]);
    expect(store.latestReads).toBe(reads);
    const v2 = await publishModel(store, { name: "pets", files: files() });
    expect((await core.embed(req("pets"))).version).toBe(v1.version); // within the TTL
    await new Promise((ok) => setTimeout(ok, 350));
    expect((await core.embed(req("pets"))).version).toBe(v2.version);
    const pinned = store.latestReads;
    for (let i = 0; i < 2; i++)
      expect((await core.embed(req(`pets@${v1.version}`))).version).toBe(v1.version);
    expect(store.latestReads).toBe(pinned);
    const stats = Object.values(core.engineStats());
    expect(stats).toHaveLength(2); // v1 and v2 are both loaded
    expect(stats.reduce((a, s) => a + s.images, 0)).toBe(7); // every successful embed ran one image
    await core.close();
  });
});
