/**
 * `Conv2DBackpropFilter` for the wasm backend, which ships none (so no conv layer could train on wasm).
 *
 * Two formulations, both built from wasm's fast (XNNPACK) kernels:
 * - conv: the filter gradient is itself a convolution with batch and channel axes swapped: input `[Ci, H, W, N]`,
 *   `dy` as the filter `[Ho, Wo, N, Co]`, dilated by the forward stride, padded so the output is exactly KH×KW.
 * - im2col: the strided input windows as a `[KH·KW·Ci, M]` matrix times `dy` as `[M, Co]` (M = N·Ho·Wo), one matMul.
 *   Wins for 1×1 convs and small late-stage maps, where the conv above has a huge filter and a tiny output.
 */
import * as tf from "@tensorflow/tfjs-core";
import { adoptTensor } from "./adopt-tensor.js";
import { type ConvGeometry, type ConvGradAttrs, convGeometry, toNhwcShape } from "./conv-geometry.js";

/** Attributes tfjs passes to `Conv2DBackpropFilter`. */
export interface Conv2DBackpropFilterAttrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}

/** Above this many im2col elements the conv formulation is used instead (memory, and it is faster there). */
const IM2COL_MAX_ELEMENTS = 1 << 22;

/** Pads (or, when negative, crops) one spatial extent so exactly `(out - 1)·stride + k` positions remain. */
function extent(inSize: number, out: number, stride: number, k: number, padBefore: number) {
  const needed = (out - 1) * stride + k;
  const after = needed - padBefore - inSize;
  return { before: padBefore, after: Math.max(after, 0), keep: inSize + Math.min(after, 0) };
}

/** NHWC x padded/cropped to the positions the forward conv reads, as `[N, Hp, Wp, Ci]`. */
function paddedInput(x: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const h = extent(g.inH, g.outH, g.strideH, g.kH, g.padTop);
  const w = extent(g.inW, g.outW, g.strideW, g.kW, g.padLeft);
  const cropped = h.keep < g.inH || w.keep < g.inW ? tf.slice(x, [0, 0, 0, 0], [-1, h.keep, w.keep, -1]) : x;
  if (h.before === 0 && h.after === 0 && w.before === 0 && w.after === 0) return cropped;
  return tf.pad(cropped, [
    [0, 0],
    [h.before, h.after],
    [w.before, w.after],
    [0, 0],
  ]);
}

/**
 * Filter gradient as one conv: batch and channels swapped, `dy` as a filter dilated by the stride.
 * @example
 * const dW = filterGradByConv(x, dy, geometry); // the reference the wasm kernel is checked against
 */
export function filterGradByConv(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const h = extent(g.inH, g.outH, g.strideH, g.kH, g.padTop);
    const w = extent(g.inW, g.outW, g.strideW, g.kW, g.padLeft);
    const cropped =
      h.keep < g.inH || w.keep < g.inW ? tf.slice(x, [0, 0, 0, 0], [-1, h.keep, w.keep, -1]) : x;
    const xT = tf.transpose(cropped, [3, 1, 2, 0]); // [Ci, H, W, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
    const pads: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [h.before, h.after],
      [w.before, w.after],
      [0, 0],
    ];
    const out = tf.conv2d(xT, dyT, 1, pads, "NHWC", [g.strideH, g.strideW]); // [Ci, KH, KW, Co]
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/**
 * Filter gradient as im2col: the KH·KW strided windows of x as rows, one matMul with `dy`.
 * @example
 * const dW = filterGradByIm2col(x, dy, geometry);
 */
export function filterGradByIm2col(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    // Channels first once, so every window slice reshapes to [Ci, M] without its own transpose.
    const xc = tf.transpose(paddedInput(x, g), [3, 0, 1, 2]); // [Ci, N, Hp, Wp]
    const m = g.batch * g.outH * g.outW;
    const rows: tf.Tensor2D[] = [];
    for (let kh = 0; kh < g.kH; kh++) {
      for (let kw = 0; kw < g.kW; kw++) {
        const end = [g.inC, g.batch, kh + (g.outH - 1) * g.strideH + 1, kw + (g.outW - 1) * g.strideW + 1];
        const whole = end[2] === xc.shape[2] && end[3] === xc.shape[3] && kh === 0 && kw === 0;
        const strides = [1, 1, g.strideH, g.strideW];
        const win =
          whole && g.strideH * g.strideW === 1 ? xc : tf.stridedSlice(xc, [0, 0, kh, kw], end, strides);
        rows.push(tf.reshape(win, [g.inC, m]));
      }
    }
    const cols = rows.length === 1 ? rows[0]! : tf.concat(rows, 0); // [KH·KW·Ci, M]
    // wasm matMul is only fast without transpose flags: both operands are already in the needed layout.
    const dw = tf.matMul(cols, tf.reshape(dy, [m, g.outC]));
    return tf.reshape(dw, [g.kH, g.kW, g.inC, g.outC]);
  });
}

/**
 * Picks the faster formulation for this geometry (measured on ResNet-18 shapes, batch 8): im2col only where no
 * strided slicing is needed and the map is small (wasm's StridedSlice is a slow scalar loop), the conv elsewhere.
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const im2colSize = g.kH * g.kW * g.inC * g.batch * g.outH * g.outW;
  const unitStride = g.strideH === 1 && g.strideW === 1;
  const pointwise = g.kH === 1 && g.kW === 1 && g.padTop + g.padBottom + g.padLeft + g.padRight === 0;
  const smallMap = g.outH * g.outW <= 64 && im2colSize <= IM2COL_MAX_ELEMENTS;
  return unitStride && (pointwise || smallMap) ? filterGradByIm2col(x, dy, g) : filterGradByConv(x, dy, g);
}

/**
 * The kernel function registered as `Conv2DBackpropFilter` on wasm.
 *
 * @example
 * ```ts
 * tf.registerKernel({ kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: conv2DBackpropFilterWasm });
 * ```
 */
export const conv2DBackpropFilterWasm: tf.KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  return tf.tidy(() => {
    const nchw = a.dataFormat === "NCHW";
    let x = adoptTensor(inputs.x!) as tf.Tensor4D;
    let dy = adoptTensor(inputs.dy!) as tf.Tensor4D;
    if (nchw) {
      x = tf.transpose(x, [0, 2, 3, 1]);
      dy = tf.transpose(dy, [0, 2, 3, 1]);
    }
    const g = convGeometry(toNhwcShape(inputs.x!.shape, a.dataFormat), a.filterShape, a);
    return conv2dFilterGrad(x, dy, g);
  });
};
