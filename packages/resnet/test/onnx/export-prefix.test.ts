import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import {
  type ArchName,
  createResNet,
  exportOnnxPrefix,
  type PrefixStage,
  type ResNetOptions,
} from "@residual/resnet";
import ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { maxRelDiff, randomiseNorms } from "../support/numeric.js";

async function prefixParity(arch: ArchName, size: number, stages: PrefixStage[], opts: ResNetOptions = {}) {
  const model = createResNet(arch, { seed: 5, numClasses: 3, ...opts });
  const x = tf.randomNormal([3, size, size, 3], 0, 1, "float32", 9) as tf.Tensor4D;
  const pixels = x.dataSync() as Float32Array;
  const results: Array<{ stage: PrefixStage; rel: number; dims: readonly number[]; shape: number[] }> = [];
  try {
    randomiseNorms(model, 40);
    for (const stage of stages) {
      const ref = model.forwardUntil(x, stage);
      const expected = ref.dataSync() as Float32Array;
      const shape = ref.shape;
      ref.dispose();
      const session = await ort.InferenceSession.create(exportOnnxPrefix(model, stage));
      const out = await session.run({ input: new ort.Tensor("float32", pixels, [3, size, size, 3]) });
      await session.release();
      const act = out.activation!;
      results.push({ stage, rel: maxRelDiff(expected, act.data as Float32Array), dims: act.dims, shape });
    }
  } finally {
    x.dispose();
    model.dispose();
  }
  return results;
}

describe("exportOnnxPrefix parity (onnxruntime-node vs forwardUntil on tfjs wasm)", () => {
  beforeAll(async () => {
    await tf.setBackend("wasm");
  });

  it("resnet18 at 32 px: every prefix stage ≤ 1e-4 relative, NHWC output of forwardUntil's shape", async () => {
    const stages: PrefixStage[] = ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4"];
    for (const r of await prefixParity("resnet18", 32, stages)) {
      expect(r.dims, r.stage).toEqual(r.shape);
      expect(r.rel, r.stage).toBeLessThanOrEqual(1e-4);
    }
  });

  it("cifar_resnet20 at 16 px (no max-pool, three stages) ≤ 1e-4 relative", async () => {
    for (const r of await prefixParity("cifar_resnet20", 16, ["bn1", "layer2", "layer3"])) {
      expect(r.dims, r.stage).toEqual(r.shape);
      expect(r.rel, r.stage).toBeLessThanOrEqual(1e-4);
    }
  });

  it("GroupNorm prefixes are exact too (no running statistics to fold)", async () => {
    const [r] = await prefixParity("resnet18", 32, ["layer2"], { norm: "group", normGroups: 8 });
    expect(r!.rel).toBeLessThanOrEqual(1e-4);
  });

  it("pool: true gives the spatial mean of forwardUntil as [n, 1, 1, c]", async () => {
    const model = createResNet("cifar_resnet20", { seed: 2 });
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, "float32", 4) as tf.Tensor4D;
    try {
      randomiseNorms(model, 3);
      const ref = tf.tidy(() => tf.mean(model.forwardUntil(x, "layer3"), [1, 2], true));
      const expected = ref.dataSync() as Float32Array;
      ref.dispose();
      const session = await ort.InferenceSession.create(exportOnnxPrefix(model, "layer3", { pool: true }));
      const out = await session.run({ input: new ort.Tensor("float32", x.dataSync(), [2, 16, 16, 3]) });
      await session.release();
      expect(out.activation!.dims).toEqual([2, 1, 1, 64]);
      expect(maxRelDiff(expected, out.activation!.data as Float32Array)).toBeLessThanOrEqual(1e-4);
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it("rejects a stage the model lacks and a bad opset, leaking no tensors", () => {
    const model = createResNet("cifar_resnet20", { seed: 1 });
    const before = tf.memory().numTensors;
    try {
      expect(() => exportOnnxPrefix(model, "layer4")).toThrow(
        expect.objectContaining({ code: "invalid_stage" }),
      );
      expect(() => exportOnnxPrefix(model, "layer1", { opset: 9 })).toThrow(
        expect.objectContaining({ code: "invalid_options" }),
      );
      expect(exportOnnxPrefix(model, "layer1").byteLength).toBeGreaterThan(1000);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  });
});
