import { LocalObjectStore, type ObjectStore, parseJobSpec, runTraining } from "@residual/pipeline";
import { evaluateExamples, readLatestManifest } from "@residual/pipeline/testing";
import { createResNet, initBackend, type ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTempDir } from "../../support/temp-dir.js";
import { abortWhen, syntheticData } from "./synthetic-data.js";

const data = syntheticData(4, 16, 8, 16);
// lr high enough that val loss wanders, minDelta so large that only epoch 0 ever counts as an improvement.
const spec = parseJobSpec({
  arch: "cifar_resnet20",
  imageSize: 16,
  epochs: 6,
  batchSize: 16,
  optimizer: "adamw",
  lr: 0.05,
  freeze: [{ epochs: 6, train: ["fc"] }],
  earlyStopping: { patience: 3, minDelta: 100 },
  seed: 3,
});

const model = (): ResNet => createResNet("cifar_resnet20", { numClasses: 4, seed: 7 });

async function valLoss(m: ResNet): Promise<number> {
  return (await evaluateExamples(m, data.val, 4, { batchSize: 16 })).loss;
}

async function checkpointBases(store: ObjectStore, prefix: string): Promise<string[]> {
  const bases = new Set<string>();
  for await (const o of store.list(prefix)) {
    const m = /(ckpt-\d+-\d+)\.(json|bin)$/.exec(o.key);
    if (m) bases.add(m[1]!);
  }
  return [...bases].sort();
}

const tempDir = useTempDir("residual-retention-");
beforeAll(async () => {
  await initBackend({ logger: () => {} });
});

describe("early stopping restores the best weights", () => {
  it("in one process: the model ends with epoch 0's weights (its val loss), leaking no tensors", async () => {
    const m = model();
    const before = tf.memory().numTensors;
    const result = await runTraining({ model: m, spec, data });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.stoppedEarly).toBe(true);
    expect(result.history).toHaveLength(4);
    expect(result.restoredBestEpoch).toBe(0);
    const [first, , , last] = result.history;
    // The test is only meaningful if the last epoch differs from the best one.
    expect(Math.abs(last!.valLoss - first!.valLoss)).toBeGreaterThan(1e-3);
    expect(await valLoss(m)).toBeCloseTo(first!.valLoss, 5);
    m.dispose();
  });

  it("after a resume past the best epoch: restored from that epoch's (protected) checkpoint", async () => {
    const store = new LocalObjectStore(tempDir());
    const prefix = "jobs/es-resume/checkpoints/";
    const first = model();
    let epochs = 0;
    const stop = abortWhen((p) => p.type === "epoch" && ++epochs === 3);
    await expect(
      runTraining({
        model: first,
        spec,
        data,
        store,
        checkpointPrefix: prefix,
        ...stop,
      }),
    ).rejects.toMatchObject({ code: "training_aborted" });
    first.dispose();
    // Epoch 0's checkpoint outlived pruning because it holds the best weights.
    expect(await checkpointBases(store, prefix)).toEqual([
      "ckpt-00001-0000000",
      "ckpt-00002-0000000",
      "ckpt-00003-0000000",
    ]);
    const resumedModel = model();
    const resumed = await runTraining({ model: resumedModel, spec, data, store, checkpointPrefix: prefix });
    expect(resumed.resumedFrom).toEqual({ epoch: 3, step: 0 });
    expect(resumed.restoredBestEpoch).toBe(0);
    expect(await valLoss(resumedModel)).toBeCloseTo(resumed.history[0]!.valLoss, 5);
    resumedModel.dispose();
  });
});

describe("checkpoint pruning", () => {
  it("keeps only the latest two checkpoints (mid-epoch ones included); latest.json points at the newest", async () => {
    const store = new LocalObjectStore(tempDir());
    const prefix = "jobs/prune/checkpoints/";
    const m = model();
    const plain = parseJobSpec({
      ...spec,
      epochs: 3,
      freeze: [{ epochs: 3, train: ["fc"] }],
      earlyStopping: "off",
    });
    let saved = 0;
    await runTraining({
      model: m,
      spec: plain,
      data,
      store,
      checkpointPrefix: prefix,
      checkpointEveryMs: 0,
      onProgress: (p) => p.type === "checkpoint" && saved++,
    });
    m.dispose();
    expect(saved).toBeGreaterThan(4);
    expect(await checkpointBases(store, prefix)).toEqual(["ckpt-00002-0000003", "ckpt-00003-0000000"]);
    expect((await readLatestManifest(store, prefix))?.data).toBe(`${prefix}ckpt-00003-0000000.bin`);
    expect(await store.head(`${prefix}latest.json`)).toBeDefined();
  });
});
