/**
 * Train/serve parity after training (golden images): the published version's `metrics.json` and model card carry
 * the figures of a handful of validation images run through the serving path (decode → preprocess.json → ONNX
 * Runtime) against the trainer's own tfjs eval outputs; a deliberately broken preprocessing spec fails the job
 * with `serving_parity_mismatch` and nothing is published.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  disposeDataset,
  LocalObjectStore,
  loadDataset,
  resolvePreprocessSpec,
  runTrainingJob,
} from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { makeShapesDataset } from "../../support/images.js";

const spec = { name: "golden", arch: "cifar_resnet20", imageSize: 32, epochs: 1, batchSize: 8, seed: 2 };

async function shapesStore() {
  const store = new LocalObjectStore(await mkdtemp(join(tmpdir(), "residual-parity-")));
  const files = await makeShapesDataset({
    classes: ["circle", "square", "cross"],
    perClass: 8,
    width: 36,
    height: 36,
  });
  for (const [path, bytes] of files) await store.put(`datasets/shapes/${path}`, bytes);
  await store.put("datasets/shapes/residual.json", JSON.stringify(spec));
  return { store, dataset: await loadDataset(store, "datasets/shapes/", { valFraction: 0.34 }) };
}

beforeAll(async () => {
  await initBackend({ backend: "wasm" });
});

describe("train/serve parity before publish", () => {
  it("records the golden images' figures in metrics.json and the model card", async () => {
    const { store, dataset } = await shapesStore();
    try {
      const r = await runTrainingJob({
        store,
        jobId: "golden-1",
        dataset,
        spec,
        version: "v1",
        log: () => undefined,
      });
      const metrics = JSON.parse((await store.get(`models/golden/${r.version}/metrics.json`)).toString());
      expect(metrics.servingParity).toMatchObject({ passed: true, tolerance: 0.02 });
      expect(metrics.servingParity.images).toBeGreaterThan(0);
      expect(metrics.servingParity.maxAbsProbDiff).toBeLessThanOrEqual(0.02);
      const card = (await store.get(`models/golden/${r.version}/model-card.md`)).toString();
      expect(card).toContain("Train/serve parity");
    } finally {
      await disposeDataset(dataset);
    }
  });

  it("a broken preprocessing spec fails with serving_parity_mismatch and publishes nothing", async () => {
    const { store, dataset } = await shapesStore();
    const broken = resolvePreprocessSpec({
      size: 32,
      resize: 32,
      inChannels: 3,
      mean: [0.9, 0.1, 0.9],
      std: [0.05, 0.05, 0.05],
    });
    try {
      await expect(
        runTrainingJob({
          store,
          jobId: "golden-2",
          dataset,
          spec,
          version: "v1",
          servingPreprocess: broken,
          log: () => undefined,
        }),
      ).rejects.toMatchObject({ code: "serving_parity_mismatch", permanent: true });
      expect(await store.head("models/golden/latest")).toBeUndefined();
      expect((await store.listPage("models/golden/")).objects).toEqual([]);
    } finally {
      await disposeDataset(dataset);
    }
  });
});
