/**
 * The two step engines behind runTraining: the wasm training engine (the CPU default on the wasm backend) and
 * tfjs autodiff agree on a whole run, their checkpoints resume on each other, and an architecture the wasm engine
 * cannot run falls back to tfjs with a log line.
 */
import { LocalObjectStore, parseJobSpec, runTraining } from "@residual/pipeline";
import { createResNet, initBackend } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useTempDir } from "../../support/temp-dir.js";
import { abortWhen, syntheticData } from "./synthetic-data.js";

const data = syntheticData(4, 12, 6, 16);
const spec = parseJobSpec({
  arch: "cifar_resnet20",
  imageSize: 16,
  epochs: 3,
  batchSize: 16,
  lr: 0.05,
  labelSmoothing: 0.1,
  seed: 5,
});

const tempDir = useTempDir("residual-engines-");
beforeAll(async () => {
  await initBackend({ logger: () => {} });
});

describe("step engines", () => {
  it("wasm and tfjs train the same history and weights (fp32 rounding apart)", async () => {
    const runs = [];
    for (const engine of ["wasm", "tfjs"] as const) {
      const model = createResNet("cifar_resnet20", { numClasses: 4, seed: 2 });
      const lines: string[] = [];
      const result = await runTraining({ model, spec, data, engine, log: (l) => lines.push(l) });
      runs.push({ result, lines, w: model.namedWeights().get("layer3.2.conv2.weight")!.dataSync().slice() });
      model.dispose();
    }
    const [wasm, tfjs] = runs;
    expect(wasm!.result.engine.name).toBe("wasm");
    expect(wasm!.lines.some((l) => /training engine: wasm \(\d+ threads/.test(l))).toBe(true);
    expect(tfjs!.result.engine.name).toBe("tfjs");
    wasm!.result.history.forEach((h, i) => {
      const t = tfjs!.result.history[i]!;
      expect(h.trainLoss).toBeCloseTo(t.trainLoss, 2);
      // Eval-mode loss right after a few steps hangs on the running statistics: relative, not absolute.
      expect(Math.abs(h.valLoss - t.valLoss) / t.valLoss).toBeLessThan(0.03);
      expect(Math.abs(h.valTop1 - t.valTop1)).toBeLessThanOrEqual(1 / 24);
    });
    let num = 0;
    let den = 0;
    wasm!.w.forEach((v, i) => {
      num += (v - tfjs!.w[i]!) ** 2;
      den += tfjs!.w[i]! ** 2;
    });
    expect(Math.sqrt(num / den)).toBeLessThan(2e-2);
  });

  it("a checkpoint written by the wasm engine resumes on tfjs to the same end", async () => {
    const store = new LocalObjectStore(tempDir());
    const prefix = "jobs/cross/checkpoints/";
    const stop = abortWhen((p) => p.type === "epoch" && p.epoch === 0);
    const first = createResNet("cifar_resnet20", { numClasses: 4, seed: 2 });
    await expect(
      runTraining({ model: first, spec, data, store, checkpointPrefix: prefix, engine: "wasm", ...stop }),
    ).rejects.toMatchObject({ code: "training_aborted" });
    first.dispose();
    const resumed = createResNet("cifar_resnet20", { numClasses: 4, seed: 99 });
    const r = await runTraining({
      model: resumed,
      spec,
      data,
      store,
      checkpointPrefix: prefix,
      engine: "tfjs",
    });
    expect(r.resumedFrom?.epoch).toBe(1);
    const straight = createResNet("cifar_resnet20", { numClasses: 4, seed: 2 });
    const s = await runTraining({ model: straight, spec, data, engine: "wasm" });
    expect(r.history.at(-1)!.valLoss).toBeCloseTo(s.history.at(-1)!.valLoss, 2);
    resumed.dispose();
    straight.dispose();
  });

  it("falls back to tfjs for grouped convolutions, saying why, and leaks no tensors", async () => {
    const model = createResNet("resnext50_32x4d", { numClasses: 4, seed: 1 });
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const small = parseJobSpec({
      arch: "resnext50_32x4d",
      imageSize: 16,
      epochs: 1,
      batchSize: 16,
      freeze: 5,
    });
    const r = await runTraining({ model, spec: small, data, log: (l) => lines.push(l) });
    expect(r.engine.name).toBe("tfjs");
    expect(lines.some((l) => l.includes("wasm engine not used: grouped convolutions (groups 32)"))).toBe(
      true,
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("falls back to tfjs when a phase does not fit the wasm engine's 4 GiB, keeping the run going", async () => {
    // Batch 4096 at 48² needs far more than 4 GiB of activations: the layout refuses before allocating anything.
    const model = createResNet("cifar_resnet20", { numClasses: 4, seed: 1 });
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const big = parseJobSpec({ arch: "cifar_resnet20", imageSize: 48, epochs: 1, batchSize: 4096, lr: 0.05 });
    const r = await runTraining({
      model,
      spec: big,
      data: syntheticData(4, 6, 4, 48),
      log: (l) => lines.push(l),
    }).catch((e: unknown) => e);
    expect(
      lines.some((l) => l.includes("the wasm engine cannot run this phase") && l.includes("4 GiB")),
    ).toBe(true);
    expect(r).toMatchObject({ engine: { name: "tfjs" } });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
