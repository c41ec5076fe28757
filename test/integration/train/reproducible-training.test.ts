/**
 * Same data, same spec, same seed (the default 0 included): the same model, bit for bit, on each training engine.
 * The default seed used to leave conv1 to Math.random (tfjs reads a 0 seed as none), so two runs of one upload
 * trained different models.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalObjectStore, objectStoreIOHandler, runTrainingJob } from "@residual/pipeline";
import { initBackend, loadResNet } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { uploadColorDataset } from "../../support/color-dataset.js";

const SPEC = {
  name: "c",
  arch: "cifar_resnet20",
  imageSize: 32,
  epochs: 2,
  batchSize: 8,
  pretrained: "none",
};

async function trainedWeights(engine: "wasm" | "tfjs", seed?: number): Promise<Map<string, Float32Array>> {
  const store = new LocalObjectStore(await mkdtemp(join(tmpdir(), "residual-repro-")));
  const dataset = await uploadColorDataset(store, "c", ["red", "green", "blue"], { train: 16, val: 4 });
  const spec = seed === undefined ? SPEC : { ...SPEC, seed };
  const r = await runTrainingJob({ store, jobId: "j", dataset, spec, engine, log: () => {} });
  const model = await loadResNet(objectStoreIOHandler(store, `models/c/${r.version}/`));
  try {
    const out = new Map<string, Float32Array>();
    for (const [name, w] of model.namedWeights()) out.set(name, (await w.data()) as Float32Array);
    return out;
  } finally {
    model.dispose();
  }
}

beforeAll(async () => {
  await initBackend({ logger: () => {} });
});

describe("reproducible training", () => {
  for (const engine of ["wasm", "tfjs"] as const) {
    it(`${engine}: two runs with the default seed publish identical weights; another seed differs`, async () => {
      const a = await trainedWeights(engine);
      const b = await trainedWeights(engine);
      expect([...a.keys()]).toEqual([...b.keys()]);
      for (const [name, w] of a)
        expect(Buffer.from(w.buffer).equals(Buffer.from(b.get(name)!.buffer)), name).toBe(true);
      const other = await trainedWeights(engine, 1);
      expect(
        Buffer.from(other.get("conv1.weight")!.buffer).equals(Buffer.from(a.get("conv1.weight")!.buffer)),
      ).toBe(false);
    });
  }
});
