/**
 * Residual's wasm conv gradient kernels against tfjs's cpu backend (the reference) on random data, through the
 * public gradient path (tf.grads of a conv) and through each formulation directly.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { initBackend } from "@residual/resnet";
import {
  convGeometry,
  filterGradByConv,
  filterGradByIm2col,
  inputGradByConv,
  inputGradPointwise,
  inputGradPolyphase,
} from "@residual/resnet/testing";
import { beforeAll, describe, expect, it } from "vitest";

type Pad = "same" | "valid" | number;
/** [x shape NHWC, kernel, out channels, stride, pad] */
type Case = [number[], number, number, number | [number, number], Pad];

const CASES: Case[] = [
  [[1, 8, 8, 1], 3, 1, 1, "same"],
  [[2, 9, 9, 3], 3, 4, 1, "same"],
  [[2, 9, 9, 3], 3, 4, 2, "same"],
  [[2, 10, 10, 3], 3, 5, 2, "same"],
  [[1, 8, 8, 1], 3, 5, 2, "valid"],
  [[3, 7, 7, 4], 3, 2, 1, "valid"],
  [[2, 8, 8, 3], 3, 4, 2, 1],
  [[2, 16, 16, 3], 7, 6, 2, "same"],
  [[1, 15, 14, 2], 7, 3, 2, 3],
  [[2, 11, 11, 2], 7, 2, 1, "valid"],
  [[2, 10, 11, 5], 1, 3, 2, "same"],
  [[2, 4, 4, 3], 1, 2, 1, "valid"],
  [[1, 9, 9, 6], 1, 4, 2, "valid"],
  // Stride phases: stride 3, even kernels, kernel shorter than the stride, asymmetric "same" padding.
  [[1, 11, 11, 2], 3, 3, 3, "same"],
  [[2, 12, 13, 3], 5, 4, 3, 2],
  [[1, 10, 10, 3], 2, 4, 2, "valid"],
  [[1, 9, 8, 2], 4, 3, 2, "same"],
  [[1, 11, 11, 2], 2, 3, 3, "valid"],
  [[1, 10, 9, 2], 3, 3, [2, 1], "same"],
  // Not a numeric pad: tfjs sizes numeric-pad convs with the height stride on both axes.
  [[2, 9, 11, 2], 3, 2, [1, 3], "valid"],
  [[1, 8, 12, 2], 4, 2, [2, 3], "same"],
];

function seeded(shape: number[], seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal(shape, 0, 1, "float32", seed).dataSync() as Float32Array);
}

/** Gradients of a non-trivial loss (Σ conv² · 0.5) w.r.t. x and the filter, flattened, on `backend`. */
async function convGrads(backend: string, [xs, k, co, s, pad]: Case): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const xv = seeded(xs, 1);
  const wv = seeded([k, k, xs[3]!, co], 2);
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, xs as [number, number, number, number]);
    const w = tf.tensor4d(wv, [k, k, xs[3]!, co]);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.mul(tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad))), 0.5);
    const [gx, gw] = tf.grads(f)([x, w]);
    return [gx!.dataSync() as Float32Array, gw!.dataSync() as Float32Array];
  });
}

/** max |Δ| relative to the reference's largest magnitude. */
function relError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

beforeAll(async () => {
  await initBackend({ env: { RESIDUAL_BACKEND: "wasm" }, logger: () => {} });
});

describe("wasm conv gradients match the cpu backend", () => {
  it.each(CASES)("x %j, k=%i, co=%i, stride %i, pad %j", async (...c) => {
    const [gxRef, gwRef] = await convGrads("cpu", c);
    const [gx, gw] = await convGrads("wasm", c);
    expect(relError(gx!, gxRef!)).toBeLessThan(1e-4);
    expect(relError(gw!, gwRef!)).toBeLessThan(1e-4);
  });
});

describe("each formulation matches the cpu backend", () => {
  const picked: Case[] = [2, 5, 8, 10, 13, 16, 17, 18].map((i) => CASES[i]!);
  it.each(picked)("x %j, k=%i, co=%i, stride %i, pad %j", async (...c) => {
    const [xs, k, co, s, pad] = c;
    const [gxRef, gwRef] = await convGrads("cpu", c);
    await tf.setBackend("wasm");
    const g = convGeometry(xs, [k, k, xs[3]!, co], { strides: s, pad, dataFormat: "NHWC" });
    const results = tf.tidy(() => {
      const x = tf.tensor4d(seeded(xs, 1), xs as [number, number, number, number]);
      const w = tf.tensor4d(seeded([k, k, xs[3]!, co], 2), [k, k, xs[3]!, co]);
      const dy = tf.conv2d(x, w, s, pad); // d(Σ y²/2)/dy = y
      const inputGrads = [
        inputGradByConv(dy, w, g),
        ...(k === 1 ? [inputGradPointwise(dy, w, g)] : []),
        ...(g.strideH * g.strideW > 1 ? [inputGradPolyphase(dy, w, g)] : []),
      ];
      return {
        filter: [filterGradByConv(x, dy, g), filterGradByIm2col(x, dy, g)].map(
          (t) => t.dataSync() as Float32Array,
        ),
        input: inputGrads.map((t) => t.dataSync() as Float32Array),
      };
    });
    for (const gw of results.filter) expect(relError(gw, gwRef!)).toBeLessThan(1e-4);
    for (const gx of results.input) expect(relError(gx, gxRef!)).toBeLessThan(1e-4);
  });
});

describe("kernels do not leak", () => {
  it("leaves tensors and backend buffers as they were", async () => {
    await tf.setBackend("wasm");
    const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4]) as tf.Tensor4D;
    const dy = tf.randomNormal([2, 5, 5, 4]) as tf.Tensor4D;
    const attrs = { strides: 2, pad: "same", dataFormat: "NHWC" };
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.engine().backend.numDataIds();
    const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...attrs, filterShape: w.shape });
    const dx = tf
      .engine()
      .runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { ...attrs, inputShape: x.shape });
    expect((dw as tf.Tensor).shape).toEqual(w.shape);
    expect((dx as tf.Tensor).shape).toEqual(x.shape);
    expect(tf.memory().numTensors).toBe(tensorsBefore + 2);
    tf.dispose([dw as tf.Tensor, dx as tf.Tensor]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
    // The inputs survive: the kernels only borrowed them.
    expect(x.isDisposed || w.isDisposed || dy.isDisposed).toBe(false);
    expect(Number.isFinite(tf.tidy(() => tf.sum(x).dataSync()[0]!))).toBe(true);
    tf.dispose([x, w, dy]);
  });
});
