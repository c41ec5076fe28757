import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import {
  type ArchName,
  createResNet,
  type ResNet,
  type ResNetOptions,
  registerWasmTrainingKernels,
  type StageName,
} from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relativeError, type TorchCase, torchReference } from "./support/torch-reference.js";

// Numerical parity with torchvision on the wasm backend: weights copied name-for-name, outputs compared.
const TOL = 2e-4;
// Gradients sum over the batch and every position: a little more float32 noise.
const GRAD_TOL = 1e-3;
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
  // tfjs-backend-wasm has no conv gradients; the package's training kernels supply them.
  registerWasmTrainingKernels();
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
  it("one training-mode step matches torch: logits, every running statistic, every trainable gradient", () => {
    const { model, torch, x } = loaded(name);
    model.freeze(CASES[name]!.frozen);
    const cotangent = torch.get("train/cotangent");
    let logits: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(x, { training: true });
      logits = tf.keep(out.logits);
      return tf.sum(tf.mul(out.logits, cotangent)) as tf.Scalar;
    }, model.trainableVariables());
    const refLogits = torch.get("train/logits");
    expect(relativeError(logits!, refLogits)).toBeLessThan(TOL);

    const after = torch.group("after/");
    const weights = model.namedWeights();
    expect(new Set(Object.keys(after))).toEqual(new Set(weights.keys()));
    for (const [k, expected] of Object.entries(after)) {
      expect(relativeError(weights.get(k)!, expected), k).toBeLessThan(TOL);
    }
    const refGrads = torch.group("grad/");
    const names = new Map([...weights].map(([n, v]) => [v.name, n]));
    expect(Object.keys(grads).length).toBe(model.trainableVariables().length);
    for (const [varName, g] of Object.entries(grads)) {
      const k = names.get(varName)!;
      expect(relativeError(g, refGrads[k]!), `grad ${k}`).toBeLessThan(GRAD_TOL);
    }
    tf.dispose([x, cotangent, logits!, value, refLogits, ...Object.values(grads)]);
    tf.dispose([...Object.values(after), ...Object.values(refGrads)]);
    model.dispose();
  });
});
