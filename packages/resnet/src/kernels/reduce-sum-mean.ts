/**
 * `Sum` and `Mean` for the wasm backend. The stock kernels transpose every reduction to the innermost axes
 * first; for the reductions training spends its time in (BatchNorm statistics and their gradients: NHWC over
 * axes [0, 1, 2], i.e. the LEADING axes) that transpose is most of the cost. A JS loop over the wasm heap
 * reduces leading axes in place, 2–4× faster than stock at BatchNorm shapes, and accumulates in float64 (more
 * accurate than the stock float32 running sum). Trailing axes are what the stock C++ loop does best: those go to
 * the stock kernel when it is known. Other axis sets are transposed to leading axes first, as stock does. Correct
 * for every axis set and dtype the ops pass (float32, int32; bool sums arrive cast to int32).
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { backend_util, util } from "@tensorflow/tfjs-core";
import { adoptTensor } from "./adopt-tensor.js";
import { runStockKernel } from "./stock-kernels.js";

/** Attributes tfjs passes to `Sum` and `Mean`. */
export interface ReduceAttrs {
  axis: number | number[];
  keepDims: boolean;
}

type Numeric = Float32Array | Int32Array | Uint8Array;

/**
 * Sums `x` viewed as `[reduce, keep]` (leading) or `[keep, reduce]` (trailing) into float64 accumulators.
 *
 * @example
 * ```ts
 * reduceInto(Float32Array.of(1, 2, 3, 4), 2, 2, true); // Float64Array [4, 6]
 * ```
 */
export function reduceInto(x: Numeric, reduce: number, keep: number, leading: boolean): Float64Array {
  const acc = new Float64Array(keep);
  if (leading) {
    // Four rows per pass: a quarter of the accumulator traffic (JS adds in float64, so nothing is lost).
    let r = 0;
    for (; r + 4 <= reduce; r += 4) {
      const [b0, b1, b2, b3] = [r * keep, (r + 1) * keep, (r + 2) * keep, (r + 3) * keep];
      for (let k = 0; k < keep; k++) acc[k] = acc[k]! + (x[b0 + k]! + x[b1 + k]! + x[b2 + k]! + x[b3 + k]!);
    }
    for (; r < reduce; r++) {
      const base = r * keep;
      for (let k = 0; k < keep; k++) acc[k] = acc[k]! + x[base + k]!;
    }
    return acc;
  }
  for (let k = 0; k < keep; k++) {
    const base = k * reduce;
    let s = 0;
    for (let r = 0; r < reduce; r++) s += x[base + r]!;
    acc[k] = s;
  }
  return acc;
}

/** Whether `axes` (sorted) are the first / last `axes.length` axes of a rank-`rank` tensor. */
function placement(axes: number[], rank: number): "leading" | "trailing" | "mixed" {
  if (axes.every((a, i) => a === i)) return "leading";
  if (axes.every((a, i) => a === rank - axes.length + i)) return "trailing";
  return "mixed";
}

/** Reduces `x` over `axes` with a JS loop; `mean` divides by the reduced size (output float32, as stock). */
function reduce(args: Parameters<tf.KernelFunc>[0], mean: boolean): tf.TensorInfo | tf.TensorInfo[] {
  const wasm = args.backend as BackendWasm;
  const a = args.attrs as unknown as ReduceAttrs;
  const x = args.inputs.x!;
  const axes = util.parseAxisParam(a.axis, x.shape).sort((p, q) => p - q);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const [outShape, reduceShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
  const shape = a.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
  const reduceSize = util.sizeFromShape(reduceShape);
  const where = placement(axes, x.shape.length);
  if (where === "trailing") {
    const stock = runStockKernel(mean ? tf.Mean : tf.Sum, args);
    if (stock !== undefined) return stock;
  }
  // Mixed axes: bring the reduced ones to the front (one wasm Transpose, as the stock kernel does).
  const source = where === "mixed" ? tf.tidy(() => tf.transpose(adoptTensor(x), [...axes, ...kept])) : x;
  try {
    const out = wasm.makeOutput(shape, mean ? "float32" : x.dtype);
    const view = wasm.typedArrayFromHeap(out) as Numeric;
    const values = wasm.typedArrayFromHeap(source) as Numeric;
    const acc = reduceInto(values, reduceSize, util.sizeFromShape(outShape), where !== "trailing");
    // An empty reduction's mean is 0, as on the cpu backend (the stock wasm kernel leaves memory unwritten).
    const divisor = mean && reduceSize > 0 ? reduceSize : 1;
    for (let i = 0; i < acc.length; i++) view[i] = acc[i]! / divisor;
    return out;
  } finally {
    if (source !== x) tf.dispose(source as tf.Tensor);
  }
}

/**
 * The kernel function registered as `Sum` on wasm.
 *
 * @example
 * ```ts
 * tf.registerKernel({ kernelName: "Sum", backendName: "wasm", kernelFunc: sumWasm });
 * ```
 */
export const sumWasm: tf.KernelFunc = (args) => reduce(args, false);

/**
 * The kernel function registered as `Mean` on wasm.
 *
 * @example
 * ```ts
 * tf.registerKernel({ kernelName: "Mean", backendName: "wasm", kernelFunc: meanWasm });
 * ```
 */
export const meanWasm: tf.KernelFunc = (args) => reduce(args, true);
