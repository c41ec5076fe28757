import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResNet, type ResNet, type ResNetOptions } from "../../src/index.js";
import type { ArchName, StageName } from "../../src/types.js";
import { relativeError, type TorchCase, torchReference } from "./support/torch-reference.js";

// Numerical parity with torchvision on the wasm backend: weights copied name-for-name, outputs compared.
const TOL = 2e-4;
const CASES: Record<string, { arch: ArchName; opts: ResNetOptions; frozen: StageName[] }> = {
  resnet18: { arch: "resnet18", opts: { numClasses: 10 }, frozen: ["bn1", "layer1"] },
  resnet50_224: { arch: "resnet50", opts: {}, frozen: [] },
  resnext50_32x4d: { arch: "resnext50_32x4d", opts: { numClasses: 7 }, frozen: [] },
  resnet18_gn: { arch: "resnet18", opts: { numClasses: 5, norm: "group" }, frozen: [] },
  cifar_resnet20: { arch: "cifar_resnet20", opts: {}, frozen: ["layer2"] },
};

let ref: Map<string, TorchCase>;

beforeAll(async () => {
  await tf.setBackend("wasm");
  ref = torchReference(Object.keys(CASES));
});

afterAll(() => {
  ref.clear();
});

function loaded(name: string): { model: ResNet; torch: TorchCase; x: tf.Tensor4D } {
  const spec = CASES[name]!;
  const torch = ref.get(name)!;
  const model = createResNet(spec.arch, { ...spec.opts, seed: 3 });
  const weights = torch.group("weights/");
  model.loadWeights(weights);
  tf.dispose(Object.values(weights));
  return { model, torch, x: torch.get("input") as tf.Tensor4D };
}

describe.each(Object.keys(CASES))("torch parity: %s", (name) => {
  it("eval logits and features match torchvision", () => {
    const { model, torch, x } = loaded(name);
    const { features, logits } = model.forward(x);
    const [refLogits, refFeatures] = [torch.get("eval/logits"), torch.get("eval/features")];
    expect(relativeError(logits, refLogits)).toBeLessThan(TOL);
    expect(relativeError(features, refFeatures)).toBeLessThan(TOL);
    tf.dispose([x, features, logits, refLogits, refFeatures]);
    model.dispose();
  });
});

// The cases whose reference includes one training-mode forward (see fixtures/torch_parity.py CASES).
describe.each(["resnet18", "cifar_resnet20"])("torch parity, training mode: %s", (name) => {
  it("one training-mode forward matches torch: logits and every running statistic (frozen stages in eval)", () => {
    const { model, torch, x } = loaded(name);
    model.freeze(CASES[name]!.frozen);
    const { features, logits } = model.forward(x, { training: true });
    const refLogits = torch.get("train/logits");
    expect(relativeError(logits, refLogits)).toBeLessThan(TOL);
    const after = torch.group("after/");
    const weights = model.namedWeights();
    expect(new Set(Object.keys(after))).toEqual(new Set(weights.keys()));
    for (const [k, expected] of Object.entries(after)) {
      expect(relativeError(weights.get(k)!, expected), k).toBeLessThan(TOL);
    }
    tf.dispose([x, features, logits, refLogits, ...Object.values(after)]);
    model.dispose();
  });
});
