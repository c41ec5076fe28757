import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  addPrototypeExamples,
  createPrototypeModel,
  LocalObjectStore,
  publishModel,
  ServingCore,
} from "@residual/pipeline";
import { createResNet, exportOnnx, initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { runResidual } from "../../support/cli.js";
import { colorPng } from "../../support/color-dataset.js";
import { useTempDir } from "../../support/temp-dir.js";

const TAG = "tiny.colors";
const PREPROCESS = { size: 32, resize: 32, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
const dir = useTempDir("residual-prototypes-");
let store: LocalObjectStore;

/** Five examples of a colour (shades 0–4), and held-out shades for queries. */
const examples = (color: string) => Promise.all([0, 1, 2, 3, 4].map((i) => colorPng(color, i)));

async function classify(core: ServingCore, model: string, color: string) {
  const r = await core.classify({
    model,
    images: [{ bytes: await colorPng(color, 17) }],
    normalize: true,
    topK: 2,
  });
  return { version: r.version, ...r.results[0]! };
}

beforeAll(async () => {
  await initBackend({ logger: () => {} });
  store = new LocalObjectStore(dir());
  // No pretrained weights offline: a seeded random network is the backbone (its features still tell colours apart).
  const backbone = createResNet("cifar_resnet20", { seed: 5, numClasses: 10 });
  try {
    await store.put(`backbones/${TAG}/model.onnx`, exportOnnx(backbone));
    await store.put(`backbones/${TAG}/preprocess.json`, JSON.stringify(PREPROCESS));
  } finally {
    backbone.dispose();
  }
});

describe("prototype models", () => {
  it("recognises a class added from 5 examples, and the previous version still answers unchanged", async () => {
    const first = await createPrototypeModel(store, {
      name: "palette",
      backbone: TAG,
      examples: { red: await examples("red"), blue: await examples("blue") },
    });
    const before = (await store.get(`${first.prefix}prototypes.json`)).toString();
    const core = new ServingCore({ store, ortThread: "main", resolveTtlMs: 0 });
    try {
      const v1 = `palette@${first.version}`;
      expect((await classify(core, v1, "red")).predictions[0]!.label).toBe("red");
      expect((await classify(core, v1, "blue")).predictions[0]!.label).toBe("blue");
      const v1Green = await classify(core, v1, "green");

      const started = Date.now();
      const second = await addPrototypeExamples(store, "palette", "green", await examples("green"));
      expect(Date.now() - started).toBeLessThan(30_000); // seconds, no training job
      expect(second.version).not.toBe(first.version);

      const green = await classify(core, "palette", "green");
      expect(green.version).toBe(second.version);
      expect(green.predictions[0]!.label).toBe("green");
      expect(green.unknown).toBe(false);
      expect(green.threshold?.source).toBe("prototypes");
      expect(green.predictions[0]!.score).toBeGreaterThan(green.predictions[1]!.score);
      expect((await classify(core, "palette", "red")).predictions[0]!.label).toBe("red");

      // The first version: same file, same answer, no green.
      expect((await store.get(`${first.prefix}prototypes.json`)).toString()).toBe(before);
      const again = await classify(core, v1, "green");
      expect(again).toEqual(v1Green);
      expect(again.predictions.map((p) => p.label)).not.toContain("green");
      const described = await core.model("palette");
      expect(described.versions).toEqual([first.version, second.version].sort());
      expect(described.labels).toEqual(["red", "blue", "green"]);
    } finally {
      await core.close();
    }
  });

  it("appends examples to an existing class, and refuses to add to a model that is not a prototype model", async () => {
    const grown = await addPrototypeExamples(store, "palette", "red", await examples("red"));
    const p = JSON.parse((await store.get(`${grown.prefix}prototypes.json`)).toString());
    expect(p.kind).toBe("prototypes");
    expect(p.examples.red).toHaveLength(10);
    expect(p.labels).toEqual(["red", "blue", "green"]);
    await publishModel(store, {
      name: "plain",
      files: { "model.onnx": await store.get(`backbones/${TAG}/model.onnx`) },
    });
    await expect(addPrototypeExamples(store, "plain", "x", await examples("red"))).rejects.toMatchObject({
      code: "not_a_prototype_model",
    });
  });

  it("residual prototypes create <dir> and add <model> <class> <images…> publish versions from the CLI", async () => {
    const data = join(dir(), "cli-data");
    for (const color of ["red", "blue"]) {
      await mkdir(join(data, color), { recursive: true });
      for (const [i, png] of (await examples(color)).entries())
        await writeFile(join(data, color, `${i}.png`), png);
    }
    const bucket = dir();
    const created = await runResidual([
      "prototypes",
      "create",
      data,
      "--name",
      "cli-palette",
      "--backbone",
      TAG,
      "--store",
      bucket,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const first = JSON.parse(created.stdout) as { model: string; version: string };
    expect(first.model).toBe("cli-palette");
    const greens = await examples("green");
    const files = await Promise.all(
      greens.map(async (png, i) => {
        const f = join(dir(), `green-${i}.png`);
        await writeFile(f, png);
        return f;
      }),
    );
    const added = await runResidual([
      "prototypes",
      "add",
      "cli-palette",
      "green",
      ...files,
      "--store",
      bucket,
    ]);
    expect(added.code, added.stderr).toBe(0);
    const second = JSON.parse(added.stdout) as { version: string };
    expect(second.version).not.toBe(first.version);
    const p = JSON.parse(
      (await store.get(`models/cli-palette/${second.version}/prototypes.json`)).toString(),
    );
    expect(p.labels).toEqual(["blue", "red", "green"]);
    expect(p.source).toBe(`backbone:${TAG}`);
  });
});
