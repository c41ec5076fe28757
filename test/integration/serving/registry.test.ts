import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  describeModel,
  listModels,
  parseModelRef,
  publishModel,
  resolveBackbone,
  resolveModel,
} from "@residual/pipeline";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "./support/memory-store.js";

const labels = JSON.stringify(["cat", "dog"]);
const preprocess = JSON.stringify({ size: 32, resize: 36, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });

describe("registry", () => {
  it("publishes files then latest last, and resolves name and name@version", async () => {
    const store = new MemoryStore();
    const p = await publishModel(store, {
      name: "pets",
      files: { "model.onnx": new Uint8Array([1, 2]), "labels.json": labels, "preprocess.json": preprocess },
    });
    expect(p.version).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{4}$/);
    expect(store.writes.at(-1)).toBe("models/pets/latest");
    expect(store.writes.at(-2)).toBe(`models/pets/${p.version}/model.onnx`);
    const r = await resolveModel(store, "pets");
    expect(r).toMatchObject({ name: "pets", version: p.version, hasOnnx: true, hasTfjs: false });
    expect((await resolveModel(store, `pets@${p.version}`)).prefix).toBe(`models/pets/${p.version}/`);
  });

  it("lists and describes models with all versions, sorted", async () => {
    const store = new MemoryStore();
    const files = { "model.onnx": "x", "labels.json": labels, "metrics.json": '{"acc":0.9}' };
    await publishModel(store, { name: "b", version: "v1", files });
    await publishModel(store, { name: "b", version: "v2", files });
    await publishModel(store, { name: "a", version: "v1", files });
    expect(await listModels(store)).toEqual([
      { name: "a", latest: "v1" },
      { name: "b", latest: "v2" },
    ]);
    const d = await describeModel(store, "b");
    expect(d).toMatchObject({ name: "b", latest: "v2", versions: ["v1", "v2"], labels: ["cat", "dog"] });
    expect(d.metrics).toEqual({ acc: 0.9 });
  });

  it("publishes a local directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reg-"));
    await mkdir(join(dir, "pictures"));
    await writeFile(join(dir, "model.json"), "{}");
    await writeFile(join(dir, "pictures", "cm.png"), "png");
    const store = new MemoryStore();
    const p = await publishModel(store, { name: "dir", version: "1", files: dir });
    expect(p.files.sort()).toEqual(["model.json", "pictures/cm.png"]);
    expect((await store.get("models/dir/1/pictures/cm.png")).toString()).toBe("png");
  });

  it("rejects bad names, traversal, overwrites and bad files with stable codes", async () => {
    const store = new MemoryStore();
    const ok = { "model.onnx": "x" };
    await expect(publishModel(store, { name: "../x", files: ok })).rejects.toMatchObject({
      code: "invalid_model_name",
    });
    await expect(publishModel(store, { name: "a..b", files: ok })).rejects.toMatchObject({
      code: "invalid_model_name",
    });
    await expect(publishModel(store, { name: "Up", files: ok })).rejects.toMatchObject({ status: 400 });
    await expect(publishModel(store, { name: "a", files: { "../model.onnx": "x" } })).rejects.toMatchObject({
      code: "invalid_model_file",
    });
    await expect(publishModel(store, { name: "a", files: { "labels.json": "[]" } })).rejects.toMatchObject({
      code: "invalid_model_files",
    });
    const bad = publishModel(store, {
      name: "a",
      files: { ...ok, "preprocess.json": '{"size":-1,"mean":"x"}' },
    });
    await expect(bad).rejects.toMatchObject({ code: "invalid_model_file" });
    await expect(bad.catch((e: { issues: unknown[] }) => e.issues.length)).resolves.toBeGreaterThan(1);
    expect(store.objects.size).toBe(0);
    await publishModel(store, { name: "a", version: "1", files: ok });
    await expect(publishModel(store, { name: "a", version: "1", files: ok })).rejects.toMatchObject({
      code: "version_exists",
      status: 409,
    });
    expect(() => parseModelRef("a@../../x")).toThrow(/version/);
  });

  it("404s for unknown models, versions and missing backbones with a hint", async () => {
    const store = new MemoryStore();
    await expect(resolveModel(store, "nope")).rejects.toMatchObject({ code: "model_not_found", status: 404 });
    await publishModel(store, { name: "a", version: "1", files: { "model.onnx": "x" } });
    await expect(resolveModel(store, "a@2")).rejects.toMatchObject({ code: "version_not_found" });
    await expect(describeModel(store, "nope")).rejects.toMatchObject({ status: 404 });
    await expect(resolveBackbone(store, "resnet50.tv2_in1k")).rejects.toThrow(/residual weights fetch/);
    await store.put("backbones/resnet50.tv2_in1k/model.json", "{}");
    expect(await resolveBackbone(store, "resnet50.tv2_in1k")).toMatchObject({
      hasTfjs: true,
      hasOnnx: false,
    });
  });
});
