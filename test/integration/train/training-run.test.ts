import { LocalObjectStore, parseJobSpec, runTraining } from "@residual/pipeline";
import { PrefixCache, readLatestManifest } from "@residual/pipeline/testing";
import { createResNet, initBackend, type ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTempDir } from "../../support/temp-dir.js";
import { syntheticData } from "./synthetic-data.js";

const data = syntheticData(4, 16, 8, 16);
const request = {
  arch: "cifar_resnet20",
  imageSize: 16,
  epochs: 10,
  batchSize: 16,
  optimizer: "adamw",
  lr: 0.05,
  warmupEpochs: 0,
  schedule: { type: "cosine" },
  freeze: [{ epochs: 10, train: ["fc"] }],
  seed: 3,
};
const spec = parseJobSpec(request);

function model(): ResNet {
  return createResNet("cifar_resnet20", { numClasses: 4, seed: 7 });
}

const tempDir = useTempDir("residual-train-");
beforeAll(async () => {
  await initBackend({ logger: () => {} });
});

describe("runTraining (cifar_resnet20, head only, generated data)", () => {
  it("learns above chance, reports every epoch and leaks no tensors", async () => {
    const m = model();
    const before = tf.memory().numTensors;
    const steps: number[] = [];
    const result = await runTraining({
      model: m,
      spec,
      data,
      onProgress: (p) => p.type === "step" && steps.push(p.step),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.history).toHaveLength(10);
    expect(result.cachedStage).toBe("layer3");
    expect(steps.length).toBe(10 * 4);
    const last = result.history.at(-1)!;
    expect(last.valTop1).toBeGreaterThan(0.6); // chance is 0.25
    expect(last.trainLoss).toBeLessThan(result.history[0]!.trainLoss);
    m.dispose();
  });

  it("resumes after an abort mid-epoch to the same history and weights", async () => {
    const store = new LocalObjectStore(tempDir());
    const full = model();
    const ref = await runTraining({
      model: full,
      spec,
      data,
      store,
      checkpointPrefix: "jobs/ref/checkpoints/",
    });
    const interrupted = model();
    const controller = new AbortController();
    let seen = 0;
    const opts = { spec, data, store, checkpointPrefix: "jobs/resume/checkpoints/", checkpointEveryMs: 0 };
    await expect(
      runTraining({
        ...opts,
        model: interrupted,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.type === "step" && ++seen === 6) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ code: "training_aborted" });
    interrupted.dispose();
    const resumedModel = model();
    const resumed = await runTraining({ ...opts, model: resumedModel });
    expect(resumed.resumedFrom).toEqual({ epoch: 1, step: 2 });
    expect(resumed.history).toHaveLength(ref.history.length);
    resumed.history.forEach((r, i) => {
      expect(r.trainLoss).toBeCloseTo(ref.history[i]!.trainLoss, 5);
      expect(r.valLoss).toBeCloseTo(ref.history[i]!.valLoss, 5);
      expect(r.valTop1).toBe(ref.history[i]!.valTop1);
    });
    const a = full.namedWeights().get("fc.weight")!.dataSync();
    const b = resumedModel.namedWeights().get("fc.weight")!.dataSync();
    for (const [i, v] of a.entries()) expect(b[i]).toBeCloseTo(v, 5);
    full.dispose();
    resumedModel.dispose();
  });

  it("an abort saves the steps since the last checkpoint before it hands the job back", async () => {
    const store = new LocalObjectStore(tempDir());
    const controller = new AbortController();
    let seen = 0;
    const opts = { spec, data, store, checkpointPrefix: "jobs/abort-saves/checkpoints/" };
    const m = model();
    await expect(
      runTraining({
        ...opts,
        model: m,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.type === "step" && ++seen === 6) controller.abort();
        },
      }),
    ).rejects.toMatchObject({ code: "training_aborted" });
    m.dispose();
    const manifest = await readLatestManifest(store, opts.checkpointPrefix);
    // Without the abort's own checkpoint the latest would be the epoch-end one (epoch 1, step 0).
    expect(manifest?.state).toMatchObject({ epoch: 1, step: 2 });
  });
});

describe("runTraining phases and early stopping", () => {
  it("unfreezing into the cached prefix invalidates the cache and trains that stage at its own lr", async () => {
    // Two runs, identical up to phase 1's end (same seed, same data); phase 2 trains layer3 at lrScale 0.1 in
    // one and 1 in the other. AdamW's step is lr·m̂/√v̂ (about lr per weight), so layer3's movement over the
    // phase must scale with its lr: about a tenth.
    const phase2 = async (scale: number) => {
      const m = model();
      const layer2Before = Float32Array.from(m.namedWeights().get("layer2.0.conv1.weight")!.dataSync());
      const layer3Before = Float32Array.from(m.namedWeights().get("layer3.0.conv1.weight")!.dataSync());
      const phased = parseJobSpec({
        ...request,
        epochs: 2,
        freeze: [
          { epochs: 1, train: ["fc"] },
          { epochs: 1, unfreeze: ["layer3"], lrScale: { layer3: scale } },
        ],
      });
      const result = await runTraining({ model: m, spec: phased, data });
      const moved = (before: Float32Array, name: string) => {
        const after = m.namedWeights().get(name)!.dataSync();
        return before.reduce((a, v, i) => a + Math.abs(after[i]! - v), 0) / before.length;
      };
      const out = {
        result,
        layer2: moved(layer2Before, "layer2.0.conv1.weight"),
        layer3: moved(layer3Before, "layer3.0.conv1.weight"),
      };
      m.dispose();
      return out;
    };
    const slow = await phase2(0.1);
    const full = await phase2(1);
    expect(slow.result.history.map((r) => r.phase)).toEqual([0, 1]);
    expect(slow.result.cachedStage).toBe("layer2");
    expect(slow.layer2).toBe(0);
    expect(full.layer2).toBe(0);
    expect(full.layer3).toBeGreaterThan(1e-4);
    const ratio = slow.layer3 / full.layer3;
    expect(ratio).toBeGreaterThan(0.08);
    expect(ratio).toBeLessThan(0.12);
  });

  it("stops early when the monitored metric stops improving by minDelta", async () => {
    const m = model();
    const es = parseJobSpec({ ...request, earlyStopping: { patience: 2, minDelta: 100 } });
    const result = await runTraining({ model: m, spec: es, data });
    expect(result.stoppedEarly).toBe(true);
    expect(result.history).toHaveLength(3);
    m.dispose();
  });
});

describe("PrefixCache", () => {
  it("gives the same logits as recomputing the frozen prefix (float32 exact, float16 close)", async () => {
    const m = model();
    m.freezeFirst(4);
    const ix = [0, 3, 5, 9];
    const x = tf.tensor4d(await data.train.load(ix), [4, 16, 16, 3]);
    const direct = m.forward(x);
    const f32 = (await PrefixCache.create(m, "layer2", data.train, { views: 1, augment: false }))!;
    const f16 = (await PrefixCache.create(m, "layer2", data.train, {
      views: 1,
      augment: false,
      budgetBytes: 300_000,
    }))!;
    expect(f32.precision).toBe("float32");
    expect(f16.precision).toBe("float16");
    const before = tf.memory().numTensors;
    for (const [cache, tol] of [
      [f32, 1e-5],
      [f16, 5e-2],
    ] as const) {
      const h = await cache.batch(ix);
      const out = m.forwardFrom(h, "layer2");
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(out.logits, direct.logits))).dataSync()[0]!);
      expect(d).toBeLessThan(tol);
      tf.dispose([h, out.logits, out.features]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(f32.bytes()).toBe(4 * 8 * 8 * 32 * 4);
    expect(
      await PrefixCache.create(m, "layer2", data.train, { views: 1, augment: false, budgetBytes: 1000 }),
    ).toBeUndefined();
    tf.dispose([x, direct.logits, direct.features]);
    m.dispose();
  });
});
