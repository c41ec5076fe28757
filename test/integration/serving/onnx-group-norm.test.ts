import { createResNet, exportOnnx, initBackend } from "@residual/resnet";
import { onnxRuntimeNs as ox } from "@residual/resnet/testing";
import * as tf from "@tensorflow/tfjs-core";
import ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";

/** Op types in an exported graph (to see which GroupNorm form the opset got). */
function opTypes(bytes: Uint8Array): Set<string> {
  return new Set(ox.ModelProto.decode(bytes).graph?.node?.map((n) => n.opType ?? "") ?? []);
}

describe("GroupNorm ResNets export to ONNX at every supported opset", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
  });

  it.each([
    [17, "InstanceNormalization"],
    [18, "GroupNormalization"],
    [21, "GroupNormalization"],
  ])("opset %i (%s) matches the tfjs forward pass within 1e-4", async (opset, normOp) => {
    const model = createResNet("cifar_resnet20", { seed: 11, numClasses: 5, norm: "group", normGroups: 4 });
    try {
      const bytes = exportOnnx(model, { opset });
      const ops = opTypes(bytes);
      expect(ops.has(normOp)).toBe(true);
      expect(ops.has(normOp === "GroupNormalization" ? "InstanceNormalization" : "GroupNormalization")).toBe(
        false,
      );
      const x = new Float32Array(2 * 32 * 32 * 3).map((_, i) => Math.sin(i * 0.37));
      const before = tf.memory().numTensors;
      const ref = tf.tidy(() => model.forward(tf.tensor4d(x, [2, 32, 32, 3])).logits.dataSync());
      expect(tf.memory().numTensors).toBe(before);
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({ input: new ort.Tensor("float32", x, [2, 32, 32, 3]) });
      await session.release();
      const got = out.logits!.data as Float32Array;
      const scale = Math.max(...Array.from(ref, Math.abs));
      const diff = Math.max(...Array.from(ref, (v, i) => Math.abs(v - got[i]!)));
      expect(diff / scale).toBeLessThan(1e-4);
    } finally {
      model.dispose();
    }
  });
});
