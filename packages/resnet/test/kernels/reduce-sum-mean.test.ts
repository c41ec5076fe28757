/**
 * Residual's wasm Sum and Mean against tfjs's cpu backend: leading (BatchNorm), trailing (handed to the stock
 * kernel) and mixed axes, all axes, negative axes, keepDims, int32 and bool inputs, empty tensors; the reduction
 * loop itself on both layouts; and no leaks.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { initBackend, wasmTrainingKernelsRegistered } from "@residual/resnet";
import { reduceInto } from "@residual/resnet/testing";
import { beforeAll, describe, expect, it } from "vitest";

/** [shape, axis, keepDims] */
type Case = [number[], number | number[] | null, boolean];

const CASES: Case[] = [
  [[4, 5, 6, 7], [0, 1, 2], false],
  [[4, 5, 6, 7], [0, 1, 2], true],
  [[3, 4], 0, false],
  [[4, 5, 6, 7], [2, 3], false],
  [[4, 5, 6, 7], -1, true],
  [[4, 5, 6, 7], [0, 2], false],
  [[4, 5, 6, 7], [1, 3], true],
  [[4, 5, 6, 7], null, false],
  [[6], 0, false],
  [[2, 1, 3], 1, false],
  [[0, 3], 0, false],
];

type Op = "sum" | "mean";

async function reduced(backend: string, op: Op, [shape, axis, keepDims]: Case, dtype: "float32" | "int32") {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const r = tf.randomUniform(shape, -50, 50, "float32", 5);
    const x = dtype === "int32" ? tf.cast(tf.round(r), "int32") : r;
    const ax = axis ?? undefined;
    const y = op === "sum" ? tf.sum(x, ax, keepDims) : tf.mean(x, ax, keepDims);
    return { shape: y.shape, dtype: y.dtype, values: Array.from(y.dataSync()) };
  });
}

beforeAll(async () => {
  await initBackend({ env: { RESIDUAL_BACKEND: "wasm" }, logger: () => {} });
  expect(wasmTrainingKernelsRegistered()).toEqual(expect.arrayContaining(["Sum", "Mean"]));
});

describe("wasm Sum and Mean match the cpu backend", () => {
  for (const op of ["sum", "mean"] as const) {
    for (const dtype of ["float32", "int32"] as const) {
      it.each(CASES)(`${op} ${dtype}: shape %j, axis %j, keepDims %s`, async (...c) => {
        const ref = await reduced("cpu", op, c, dtype);
        const ours = await reduced("wasm", op, c, dtype);
        expect(ours.shape).toEqual(ref.shape);
        expect(ours.dtype).toBe(ref.dtype);
        expect(ours.values).toHaveLength(ref.values.length);
        ours.values.forEach((v, i) => {
          expect(v).toBeCloseTo(ref.values[i]!, 2);
        });
      });
    }
  }

  it("sums bools as int32 counts", async () => {
    await tf.setBackend("wasm");
    const counts = tf.tidy(() =>
      Array.from(tf.sum(tf.tensor2d([1, 0, 1, 1, 1, 0], [2, 3], "bool"), 0).dataSync()),
    );
    expect(counts).toEqual([2, 1, 1]);
  });

  it("is more accurate than a float32 running sum on a long leading reduction", async () => {
    await tf.setBackend("wasm");
    // 2^24 + 1 ones: a float32 running sum sticks at 2^24, float64 accumulation does not.
    const n = (1 << 24) + 3;
    const total = tf.tidy(() => tf.sum(tf.ones([n, 1]), 0).dataSync()[0]!);
    expect(total).toBe(Math.fround(n));
  });
});

describe("reduceInto", () => {
  it("sums leading and trailing layouts, with row counts that are not a multiple of the unroll", () => {
    for (const [reduce, keep] of [
      [7, 3],
      [9, 5],
      [1, 4],
      [4, 1],
    ] as const) {
      const x = Float32Array.from({ length: reduce * keep }, (_, i) => ((i * 37) % 11) - 5);
      const leading = Array.from({ length: keep }, (_, k) => {
        let s = 0;
        for (let r = 0; r < reduce; r++) s += x[r * keep + k]!;
        return s;
      });
      const trailing = Array.from({ length: keep }, (_, k) => {
        let s = 0;
        for (let r = 0; r < reduce; r++) s += x[k * reduce + r]!;
        return s;
      });
      expect(Array.from(reduceInto(x, reduce, keep, true))).toEqual(leading);
      expect(Array.from(reduceInto(x, reduce, keep, false))).toEqual(trailing);
    }
  });
});

describe("Sum and Mean do not leak", () => {
  it("leaves tensors and backend buffers as they were (incl. the transposed mixed-axes path)", async () => {
    await tf.setBackend("wasm");
    const x = tf.randomNormal([3, 4, 5, 6]);
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.engine().backend.numDataIds();
    const outs = [
      tf.engine().runKernel(tf.Sum, { x }, { axis: [0, 1, 2], keepDims: false }),
      tf.engine().runKernel(tf.Sum, { x }, { axis: [1, 3], keepDims: false }),
      tf.engine().runKernel(tf.Mean, { x }, { axis: [0, 2], keepDims: true }),
      tf.engine().runKernel(tf.Mean, { x }, { axis: [2, 3], keepDims: false }),
    ] as tf.Tensor[];
    expect(outs.map((t) => t.shape)).toEqual([[6], [3, 5], [1, 4, 1, 6], [3, 4]]);
    expect(tf.memory().numTensors).toBe(tensorsBefore + 4);
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
    x.dispose();
  });
});
