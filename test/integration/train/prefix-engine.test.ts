import { parseJobSpec, runTraining } from "@residual/pipeline";
import { createOnnxPrefixRunner, createPrefixRunner, withFallback } from "@residual/pipeline/testing";
import { createResNet, initBackend, type ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { maxRelDiff } from "../../../packages/resnet/test/support/numeric.js";
import { syntheticData } from "./synthetic-data.js";

const data = syntheticData(4, 16, 8, 16);
const spec = parseJobSpec({
  arch: "cifar_resnet20",
  imageSize: 16,
  epochs: 3,
  batchSize: 16,
  optimizer: "adamw",
  lr: 0.05,
  freeze: [{ epochs: 3, train: ["fc"] }],
  seed: 5,
});

const model = (): ResNet => createResNet("cifar_resnet20", { numClasses: 4, seed: 11 });

/** The same model, except that its weights lack `conv1.weight`: the ONNX export (only) cannot be made. */
function withoutStemWeight(m: ResNet): ResNet {
  const view = Object.create(m) as ResNet;
  const namedWeights = () => new Map([...m.namedWeights()].filter(([k]) => k !== "conv1.weight"));
  return Object.assign(view, { namedWeights });
}

beforeAll(async () => {
  await initBackend({ logger: () => {} });
});

describe("prefix runners (the frozen prefix for the activation cache)", () => {
  it("onnx and tfjs agree ≤ 1e-4 relative, full maps mid-network and pooled at the last stage", async () => {
    const m = model();
    const pixels = await data.train.load([0, 1, 2, 3, 4]);
    const o = { imageSize: 16, channels: 3 };
    for (const [stage, shape] of [
      ["layer2", [8, 8, 32]],
      ["layer3", [1, 1, 64]],
    ] as const) {
      const onnx = await createPrefixRunner(m, stage, o);
      const tfjs = await createPrefixRunner(m, stage, { ...o, engine: "tfjs" });
      expect([onnx.engine, tfjs.engine]).toEqual(["onnx", "tfjs"]);
      expect(onnx.shape).toEqual(shape);
      expect(tfjs.shape).toEqual(shape);
      const before = tf.memory().numTensors;
      const ref = await tfjs.run(pixels, 5);
      expect(tf.memory().numTensors).toBe(before);
      const got = await onnx.run(pixels, 5);
      expect(got.length).toBe(5 * shape[0] * shape[1] * shape[2]);
      expect(maxRelDiff(ref, got)).toBeLessThanOrEqual(1e-4);
      await onnx.dispose();
      await tfjs.dispose();
    }
    m.dispose();
  });

  it("falls back to tfjs with a log line when onnxruntime cannot run the prefix; `onnx` alone throws", async () => {
    const m = model();
    const broken = withoutStemWeight(m);
    const lines: string[] = [];
    const o = { imageSize: 16, channels: 3, log: (l: string) => lines.push(l) };
    const runner = await createPrefixRunner(broken, "layer3", o);
    expect(runner.engine).toBe("tfjs");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/onnxruntime.*conv1\.weight.*tfjs/);
    expect((await runner.run(await data.train.load([0]), 1)).length).toBe(64);
    await expect(createPrefixRunner(broken, "layer3", { ...o, engine: "onnx" })).rejects.toMatchObject({
      code: "prefix_engine_unavailable",
    });
    m.dispose();
  });
});

describe("withFallback (onnxruntime failing mid-fill)", () => {
  it("computes the failed batch and every later one with tfjs, logging once", async () => {
    const m = model();
    const o = { imageSize: 16, channels: 3 };
    const onnx = await createOnnxPrefixRunner(m, "layer3", { ...o, pooled: true });
    const tfjs = await createPrefixRunner(m, "layer3", { ...o, engine: "tfjs" });
    const lines: string[] = [];
    const runner = withFallback(
      onnx,
      () => tfjs,
      (l) => lines.push(l),
    );
    const pixels = await data.train.load([0, 1, 2]);
    const before = await runner.run(pixels, 3);
    expect(runner.engine).toBe("onnx");
    await onnx.dispose(); // the session is gone: the next ORT batch fails for real
    const after = await runner.run(pixels, 3);
    expect(runner.engine).toBe("tfjs");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/onnx failed on a batch .*continuing with tfjs/);
    expect(maxRelDiff(before, after)).toBeLessThanOrEqual(1e-4);
    await runner.run(pixels, 3);
    expect(lines).toHaveLength(1);
    await runner.dispose();
    m.dispose();
  });
});

describe("runTraining with each prefix engine", () => {
  it("fills the cache with onnxruntime by default and trains the same head as with tfjs", async () => {
    const runs = [];
    for (const prefixEngine of ["auto", "tfjs"] as const) {
      const m = model();
      const before = tf.memory().numTensors;
      const result = await runTraining({ model: m, spec, data, prefixEngine });
      expect(tf.memory().numTensors).toBe(before);
      runs.push({ result, fc: Float32Array.from(m.namedWeights().get("fc.weight")!.dataSync()) });
      m.dispose();
    }
    const [onnx, tfjs] = runs;
    expect(onnx!.result.cacheEngine).toBe("onnx");
    expect(tfjs!.result.cacheEngine).toBe("tfjs");
    expect(onnx!.result.cachedStage).toBe("layer3");
    onnx!.result.history.forEach((r, i) => {
      const t = tfjs!.result.history[i]!;
      expect(Math.abs(r.trainLoss - t.trainLoss)).toBeLessThan(1e-4);
      expect(Math.abs(r.valLoss - t.valLoss)).toBeLessThan(1e-4);
    });
    expect(maxRelDiff(tfjs!.fc, onnx!.fc)).toBeLessThan(1e-3);
    // Training moved the head at all, so agreeing is not trivial.
    expect(onnx!.result.history.at(-1)!.trainLoss).toBeLessThan(onnx!.result.history[0]!.trainLoss);
  });
});
