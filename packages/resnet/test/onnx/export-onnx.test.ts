import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { type ArchName, createResNet, exportOnnx, type ResNetOptions } from "@residual/resnet";
import ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { maxRelDiff, randomiseNorms } from "../support/numeric.js";

async function parity(arch: ArchName, size: number, opts: ResNetOptions = {}) {
  const model = createResNet(arch, { seed: 7, numClasses: 11, ...opts });
  try {
    randomiseNorms(model, 100);
    const bytes = exportOnnx(model);
    const x = tf.randomNormal([2, size, size, 3], 0, 1, "float32", 3) as tf.Tensor4D;
    const { features, logits } = model.forward(x);
    const ref = { features: features.dataSync() as Float32Array, logits: logits.dataSync() as Float32Array };
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ input: new ort.Tensor("float32", x.dataSync(), [2, size, size, 3]) });
    tf.dispose([x, features, logits]);
    await session.release();
    expect(out.features?.dims).toEqual([2, model.featureDim]);
    expect(out.logits?.dims).toEqual([2, 11]);
    return {
      features: maxRelDiff(ref.features, out.features?.data as Float32Array),
      logits: maxRelDiff(ref.logits, out.logits?.data as Float32Array),
    };
  } finally {
    model.dispose();
  }
}

describe("exportOnnx parity (onnxruntime-node vs tfjs wasm)", () => {
  beforeAll(async () => {
    await tf.setBackend("wasm");
  });

  it.each([
    ["resnet18", 64, {}],
    ["resnet50", 64, {}],
    ["cifar_resnet20", 32, {}],
    ["resnet18", 48, { norm: "group", normGroups: 8 }],
    ["resnext50_32x4d", 32, {}],
  ] as Array<[ArchName, number, ResNetOptions]>)(
    "%s at %i px %o: ≤ 1e-4 relative",
    async (arch, size, opts) => {
      const d = await parity(arch, size, opts);
      expect(d.features).toBeLessThanOrEqual(1e-4);
      expect(d.logits).toBeLessThanOrEqual(1e-4);
    },
  );

  it("has dynamic batch, NHWC input and two named outputs; rejects bad opsets", async () => {
    const model = createResNet("cifar_resnet20", { seed: 1 });
    try {
      const session = await ort.InferenceSession.create(exportOnnx(model, { opset: 18 }));
      expect(session.inputNames).toEqual(["input"]);
      expect([...session.outputNames].sort()).toEqual(["features", "logits"]);
      const out = await session.run({
        input: new ort.Tensor("float32", new Float32Array(5 * 32 * 32 * 3), [5, 32, 32, 3]),
      });
      expect(out.logits?.dims).toEqual([5, 10]);
      await session.release();
      expect(() => exportOnnx(model, { opset: 9 })).toThrow(/opset/);
    } finally {
      model.dispose();
    }
  });

  it("leaves the model's tensors alone (no leaks)", () => {
    const model = createResNet("cifar_resnet20", { seed: 1 });
    const before = tf.memory().numTensors;
    exportOnnx(model);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
