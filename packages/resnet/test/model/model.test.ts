import "@tensorflow/tfjs-backend-cpu";
import { cifar_resnet20, createResNet, type ResNet, ResNetError } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batch, disposeResult, leaked, maxAbsDiff } from "./support/tensors.js";

let model: ResNet;
let x: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend("cpu");
  model = cifar_resnet20({ seed: 7 });
  x = batch(2, 16);
});

afterAll(() => {
  model.dispose();
  x.dispose();
});

function values(m: ResNet, name: string): Float32Array {
  return m.namedWeights().get(name)!.dataSync() as Float32Array;
}

function std(a: Float32Array): number {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
}

describe("initialisation", () => {
  it("is deterministic per seed", () => {
    const same = cifar_resnet20({ seed: 7 });
    const other = cifar_resnet20({ seed: 8 });
    for (const name of ["conv1.weight", "layer3.2.conv2.weight", "fc.weight", "fc.bias"]) {
      expect(values(same, name)).toEqual(values(model, name));
      expect(values(other, name)).not.toEqual(values(model, name));
    }
    same.dispose();
    other.dispose();
  });

  it("is deterministic for seed 0 too (the job spec's default; tfjs reads a 0 seed as none)", () => {
    const a = cifar_resnet20({ seed: 0 });
    const b = cifar_resnet20({ seed: 0 });
    for (const name of ["conv1.weight", "layer1.0.conv1.weight", "fc.weight"]) {
      expect(values(a, name)).toEqual(values(b, name));
    }
    a.dispose();
    b.dispose();
  });

  it("follows torchvision: Kaiming fan_out convs, unit BN, U(±1/√in) fc", () => {
    // layer3.0.conv1 is 3x3, 32 → 64: fan_out = 3·3·64 = 576 while fan_in = 3·3·32 = 288, so fan_in-scaled
    // weights (std √(2/288), ratio √2) would fail this.
    const w = model.namedWeights().get("layer3.0.conv1.weight")!;
    expect(w.shape).toEqual([3, 3, 32, 64]);
    const ratio = std(values(model, "layer3.0.conv1.weight")) / Math.sqrt(2 / 576);
    expect(ratio).toBeGreaterThan(0.95);
    expect(ratio).toBeLessThan(1.05);
    expect(Math.max(...values(model, "fc.weight").map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect(Math.max(...values(model, "fc.bias").map(Math.abs))).toBeLessThanOrEqual(1 / 8);
    expect([...values(model, "layer1.0.bn2.weight")].every((v) => v === 1)).toBe(true);
    expect([...values(model, "bn1.running_var")].every((v) => v === 1)).toBe(true);
    expect([...values(model, "bn1.running_mean"), ...values(model, "bn1.bias")].every((v) => v === 0)).toBe(
      true,
    );
  });

  it("zeroInitResidual zeroes the last norm γ of every block only", () => {
    const basic = cifar_resnet20({ zeroInitResidual: true, seed: 1 });
    expect([...values(basic, "layer2.1.bn2.weight")].every((v) => v === 0)).toBe(true);
    expect([...values(basic, "layer2.1.bn1.weight")].every((v) => v === 1)).toBe(true);
    expect([...values(basic, "layer2.0.downsample.1.weight")].every((v) => v === 1)).toBe(true);
    basic.dispose();
  });

  it("bottleneck blocks: zeroInitResidual zeroes bn3 only; 1x1 expand convs are fan_out scaled", () => {
    const deep = createResNet("resnet50", { zeroInitResidual: true, seed: 4, numClasses: 10 });
    try {
      for (const block of ["layer1.0", "layer2.3", "layer4.2"]) {
        expect(
          [...values(deep, `${block}.bn3.weight`)].every((v) => v === 0),
          block,
        ).toBe(true);
        expect(
          [...values(deep, `${block}.bn1.weight`)].every((v) => v === 1),
          block,
        ).toBe(true);
        expect(
          [...values(deep, `${block}.bn2.weight`)].every((v) => v === 1),
          block,
        ).toBe(true);
      }
      expect([...values(deep, "layer1.0.downsample.1.weight")].every((v) => v === 1)).toBe(true);
      // layer1.0.conv3 is 1x1, 64 → 256: fan_out 256 (std √(2/256)), fan_in would be 64 (twice the std).
      expect(deep.namedWeights().get("layer1.0.conv3.weight")!.shape).toEqual([1, 1, 64, 256]);
      const ratio = std(values(deep, "layer1.0.conv3.weight")) / Math.sqrt(2 / 256);
      expect(ratio).toBeGreaterThan(0.95);
      expect(ratio).toBeLessThan(1.05);
    } finally {
      deep.dispose();
    }
  });
});

describe("inputs", () => {
  it("takes grayscale with inChannels 1 and rejects a wrong channel count", () => {
    const gray = cifar_resnet20({ inChannels: 1, numClasses: 3, seed: 2 });
    const g = batch(1, 8, 1);
    const logits = gray.predict(g);
    expect(logits.shape).toEqual([1, 3]);
    expect(() => gray.predict(x)).toThrow(expect.objectContaining({ code: "invalid_input" }));
    tf.dispose([g, logits]);
    gray.dispose();
  });

  it("predict and features equal forward's eval outputs", () => {
    const { features, logits } = model.forward(x);
    const [p, f] = [model.predict(x), model.features(x)];
    expect(maxAbsDiff(p, logits)).toBe(0);
    expect(maxAbsDiff(f, features)).toBe(0);
    expect(f.shape).toEqual([2, model.featureDim]);
    tf.dispose([features, logits, p, f]);
  });
});

describe("loadWeights", () => {
  it("copies values by name; they outlive the source tensors", () => {
    const source = cifar_resnet20({ seed: 31 });
    const target = cifar_resnet20({ seed: 32 });
    const expected = source.predict(x);
    target.loadWeights(Object.fromEntries(source.namedWeights()));
    source.dispose();
    const actual = target.predict(x);
    expect(maxAbsDiff(actual, expected)).toBe(0);
    tf.dispose([expected, actual]);
    target.dispose();
  });
});

describe("resetClassifier", () => {
  it("swaps the head, keeps the body and frees the old fc", () => {
    const m = cifar_resnet20({ seed: 3 });
    const body = values(m, "layer3.2.conv2.weight");
    const tensors = tf.memory().numTensors;
    m.resetClassifier(4, 9);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(m.config.numClasses).toBe(4);
    expect(m.namedWeights().get("fc.weight")?.shape).toEqual([64, 4]);
    expect(values(m, "layer3.2.conv2.weight")).toEqual(body);
    const logits = m.predict(x);
    expect(logits.shape).toEqual([2, 4]);
    expect(m.summary(32).params).toBe(model.summary(32).params - 6 * 65);
    expect(() => m.resetClassifier(0)).toThrow(ResNetError);
    logits.dispose();
    m.dispose();
  });
});

describe("summary", () => {
  it("counts trainable parameters of unfrozen stages and FLOPs per stage", () => {
    const m = createResNet("resnet18", { numClasses: 10, seed: 1 });
    m.freezeFirst(6);
    const s = m.summary(224);
    expect(s.trainableParams).toBe(512 * 10 + 10);
    expect(s.frozen).toEqual(["conv1", "bn1", "layer1", "layer2", "layer3", "layer4"]);
    expect(s.flopsPerStage.map((f) => f.stage)).toEqual([
      "conv1",
      "layer1",
      "layer2",
      "layer3",
      "layer4",
      "fc",
    ]);
    // conv1: 2·7²·3·64·112²
    expect(s.flopsPerStage[0]!.flops).toBe(2 * 49 * 3 * 64 * 112 * 112);
    expect(s.flops).toBe(s.flopsPerStage.reduce((n, f) => n + f.flops, 0));
    m.dispose();
  });
});

describe("tensor ownership", () => {
  it.each([
    ["predict", (m: ResNet) => m.predict(x).dispose()],
    ["features", (m: ResNet) => m.features(x).dispose()],
    ["forward (eval)", (m: ResNet) => disposeResult(m.forward(x))],
    ["forward (training)", (m: ResNet) => disposeResult(m.forward(x, { training: true }))],
    ["forwardUntil", (m: ResNet) => m.forwardUntil(x, "layer2").dispose()],
    [
      "forwardFrom",
      (m: ResNet) => {
        const h = m.forwardUntil(x, "bn1");
        disposeResult(m.forwardFrom(h, "bn1"));
        h.dispose();
      },
    ],
    ["resetClassifier", (m: ResNet) => m.resetClassifier(5, 1)],
    [
      "loadWeights",
      (m: ResNet) => {
        const copy = cifar_resnet20({ numClasses: m.config.numClasses, seed: 4 });
        m.loadWeights(copy.namedWeights());
        copy.dispose();
      },
    ],
    ["summary", (m: ResNet) => void m.summary()],
  ])("%s leaks no tensor", (_name, call) => {
    call(model);
    expect(leaked(() => call(model))).toBe(0);
  });

  it("dispose frees every variable and later calls fail with code disposed", () => {
    const before = tf.memory().numTensors;
    const m = cifar_resnet20({ seed: 1 });
    expect(tf.memory().numTensors - before).toBe(m.namedWeights().size);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => m.predict(x)).toThrow(expect.objectContaining({ code: "disposed" }));
  });
});
