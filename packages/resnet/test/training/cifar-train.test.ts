/**
 * CIFAR ResNet-20 trains on wasm with Residual's gradient kernels: loss falls with every layer trainable, and with
 * stages frozen the frozen weights and BatchNorm running statistics stay bit-identical while the rest move.
 */

import { createResNet, initBackend, type ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

const CLASSES = 4;
const PER_CLASS = 4;

/** Four 32×32 patterns (horizontal stripes, vertical stripes, checkerboard, centred blob) plus seeded noise. */
function syntheticBatch(seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const r = tf.reshape(tf.range(0, 32), [32, 1]);
    const c = tf.reshape(tf.range(0, 32), [1, 32]);
    const stripes = (t: tf.Tensor) => tf.sign(tf.sin(tf.mul(t, Math.PI / 4)));
    const dist = tf.add(tf.square(tf.sub(r, 15.5)), tf.square(tf.sub(c, 15.5)));
    const patterns = [
      tf.mul(stripes(r), tf.ones([1, 32])),
      tf.mul(stripes(c), tf.ones([32, 1])),
      tf.mul(stripes(r), stripes(c)),
      tf.sub(tf.mul(tf.cast(tf.less(dist, 100), "float32"), 2), 1),
    ];
    const images = patterns.flatMap((p) => Array.from({ length: PER_CLASS }, () => p));
    const clean = tf.tile(tf.expandDims(tf.stack(images), 3), [1, 1, 1, 3]);
    const x = tf.add(clean, tf.randomNormal(clean.shape, 0, 0.3, "float32", seed)) as tf.Tensor4D;
    const labels = patterns.flatMap((_, k) => Array.from({ length: PER_CLASS }, () => k));
    return { x, y: tf.oneHot(tf.tensor1d(labels, "int32"), CLASSES) as tf.Tensor2D };
  });
}

/** Runs `steps` SGD-momentum steps on one batch; returns each step's loss and the live tensor count after it. */
async function train(model: ResNet, steps: number): Promise<{ losses: number[]; tensors: number[] }> {
  const { x, y } = syntheticBatch(7);
  const optimizer = tf.train.momentum(0.05, 0.9);
  const losses: number[] = [];
  const tensors: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.forward(x, { training: true }).logits) as tf.Scalar,
        true,
        model.trainableVariables(),
      );
      losses.push((await loss!.data())[0]!);
      loss!.dispose();
      tensors.push(tf.memory().numTensors);
    }
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
  }
  return { losses, tensors };
}

function snapshot(model: ResNet): Map<string, Float32Array> {
  return new Map([...model.namedWeights()].map(([name, v]) => [name, v.dataSync() as Float32Array]));
}

function identical(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

beforeAll(async () => {
  const { backend } = await initBackend({ env: { RESIDUAL_BACKEND: "wasm" }, logger: () => {} });
  expect(backend).toBe("wasm");
});

describe("CIFAR ResNet-20 on wasm", () => {
  it("loss falls with every layer trainable, without leaking tensors", async () => {
    const model = createResNet("cifar_resnet20", { numClasses: CLASSES, seed: 1 });
    const { losses, tensors } = await train(model, 6);
    // After the first step (optimizer slots created) every step leaves the tensor count unchanged.
    expect(new Set(tensors.slice(1)).size).toBe(1);
    expect(losses.every(Number.isFinite)).toBe(true);
    const first = losses[0]!;
    const last = Math.min(...losses.slice(-2));
    expect(last).toBeLessThan(first * 0.5);
    model.dispose();
  });

  it("keeps frozen stages (weights and BN running stats) bit-identical and moves the rest", async () => {
    const model = createResNet("cifar_resnet20", { numClasses: CLASSES, seed: 2 });
    model.freeze(["conv1", "bn1", "layer1"]);
    const frozen = (name: string) => /^(conv1|bn1|layer1)\./.test(name);
    const start = snapshot(model);
    await train(model, 3);
    const end = snapshot(model);
    const changed = (name: string) => !identical(start.get(name)!, end.get(name)!);

    const frozenNames = [...start.keys()].filter(frozen);
    expect(frozenNames).toContain("layer1.0.bn1.running_mean");
    for (const name of frozenNames) expect(changed(name), name).toBe(false);
    for (const name of [
      "layer2.0.conv1.weight",
      "layer3.2.conv2.weight",
      "layer3.2.bn2.weight",
      "fc.weight",
    ]) {
      expect(changed(name), name).toBe(true);
    }
    expect(changed("layer2.0.bn1.running_mean")).toBe(true);
    expect(changed("layer3.2.bn2.running_var")).toBe(true);
    model.dispose();
  });
});
