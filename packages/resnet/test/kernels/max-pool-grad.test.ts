/**
 * Residual's wasm MaxPoolGrad against tfjs's cpu backend (the reference) through tf.grads of a maxPool, on random
 * data and on tie-heavy data (integers, constants), and against torch's max_pool2d on ties: all three route a
 * window's gradient to its FIRST maximum in row-major window order.
 */
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";

type Pad = "same" | "valid" | number;
/** [x shape NHWC, window, stride, pad] */
type Case = [number[], number, number, Pad];

const CASES: Case[] = [
  [[2, 12, 12, 3], 3, 2, 1],
  [[2, 11, 11, 3], 3, 2, 1],
  [[1, 10, 7, 2], 3, 2, "same"],
  [[1, 9, 9, 2], 3, 2, "valid"],
  [[2, 8, 8, 4], 2, 2, "valid"],
  [[1, 7, 8, 2], 2, 2, "same"],
  [[1, 9, 9, 2], 3, 1, "same"],
  [[1, 10, 10, 1], 3, 3, 1],
  [[1, 10, 9, 2], 1, 2, "valid"],
  [[1, 13, 13, 2], 5, 2, 2],
];

/** Values per kind: distinct random, small integers (many ties), one constant (every cell ties). */
type Kind = "random" | "ints" | "const";

function values(shape: number[], kind: Kind): Float32Array {
  return tf.tidy(() => {
    const r = tf.randomNormal(shape, 0, 1, "float32", 7);
    if (kind === "random") return r.dataSync() as Float32Array;
    if (kind === "ints") return tf.round(tf.mul(r, 1.5)).dataSync() as Float32Array;
    return tf.fill(shape, 0.5).dataSync() as Float32Array;
  });
}

/** d/dx of Σ maxPool(x) · w (w random, so a wrongly routed gradient changes the result). */
async function poolGrad(backend: string, [xs, k, s, pad]: Case, kind: Kind): Promise<Float32Array> {
  await tf.setBackend(backend);
  const xv = values(xs, kind);
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, xs as [number, number, number, number]);
    const outShape = tf.maxPool(x, k, s, pad).shape;
    const w = tf.randomUniform(outShape, 0.5, 1.5, "float32", 3);
    const f = (a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, k, s, pad), w));
    return tf.grad(f)(x).dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

beforeAll(async () => {
  await initBackend({ env: { RESIDUAL_BACKEND: "wasm" }, logger: () => {} });
});

describe("wasm MaxPoolGrad matches the cpu backend", () => {
  for (const kind of ["random", "ints", "const"] as const) {
    it.each(CASES)(`${kind}: x %j, window %i, stride %i, pad %j`, async (...c) => {
      const ref = await poolGrad("cpu", c, kind);
      const ours = await poolGrad("wasm", c, kind);
      // Sums of the same few terms: equal up to float association.
      expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-5);
    });
  }
});

const TORCH = `
import sys, json, torch
d = json.load(sys.stdin)
x = torch.tensor(d["x"], dtype=torch.float32).reshape(d["shape"]).permute(0, 3, 1, 2).clone().requires_grad_()
y = torch.nn.functional.max_pool2d(x, 3, 2, 1)
(y * torch.tensor(d["w"], dtype=torch.float32).reshape(y.shape)).sum().backward()
print(json.dumps(x.grad.permute(0, 2, 3, 1).reshape(-1).tolist()))
`;

describe("ties go where torch sends them", () => {
  it("matches torch max_pool2d(3, 2, 1) on integer-valued input", async () => {
    await tf.setBackend("wasm");
    const shape = [1, 9, 10, 2];
    const x = values(shape, "ints");
    const outShape = [1, 2, 5, 5];
    const w = Float32Array.from({ length: 50 }, (_, i) => 1 + i);
    const ours = tf.tidy(() => {
      const xt = tf.tensor4d(x, shape as [number, number, number, number]);
      const wt = tf.transpose(tf.tensor4d(w, outShape as [number, number, number, number]), [0, 2, 3, 1]);
      const f = (a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 3, 2, 1), wt));
      return tf.grad(f)(xt).dataSync() as Float32Array;
    });
    const input = JSON.stringify({ x: Array.from(x), shape, w: Array.from(w) });
    const r = spawnSync("/usr/bin/python3", ["-c", TORCH], { input, encoding: "utf8" });
    expect(r.stderr).toBe("");
    const torch = Float32Array.from(JSON.parse(r.stdout) as number[]);
    expect(maxAbsDiff(ours, torch)).toBe(0);
  });
});

describe("MaxPoolGrad does not leak", () => {
  it("leaves tensors and backend buffers as they were", async () => {
    await tf.setBackend("wasm");
    const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
    const y = tf.maxPool(x, 3, 2, 1);
    const dy = tf.onesLike(y);
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.engine().backend.numDataIds();
    const attrs = { filterSize: 3, strides: 2, pad: 1 };
    const dx = tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, attrs) as tf.Tensor;
    expect(dx.shape).toEqual(x.shape);
    // Each window sends its one unit of gradient somewhere: nothing lost, nothing doubled.
    expect(tf.tidy(() => tf.sum(dx).dataSync()[0])).toBeCloseTo(y.size, 3);
    expect(tf.memory().numTensors).toBe(tensorsBefore + 1);
    dx.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
    tf.dispose([x, y, dy]);
  });
});
