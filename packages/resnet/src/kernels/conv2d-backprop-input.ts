/**
 * `Conv2DBackpropInput` for the wasm backend. tfjs-backend-wasm's own is a scalar loop (~60% of a ResNet training
 * step); this one is a fast wasm conv of `dy` with the spatially flipped, in/out-swapped filter: at stride 1
 * directly, at larger strides by stride phases (`polyphase-input-grad.ts`) rather than on a zero-stuffed `dy`;
 * for 1×1 convs one matMul followed by the zero-stuffing (4× less work at stride 2).
 */
import * as tf from "@tensorflow/tfjs-core";
import { adoptTensor } from "./adopt-tensor.js";
import { type ConvGeometry, type ConvGradAttrs, convGeometry, toNhwcShape } from "./conv-geometry.js";
import { placeWindow } from "./place-window.js";
import { inputGradPolyphase } from "./polyphase-input-grad.js";

/** Attributes tfjs passes to `Conv2DBackpropInput`. */
export interface Conv2DBackpropInputAttrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

/** Inserts `stride - 1` zeros after every row/column: `[N, H, W, C]` → `[N, H·sh, W·sw, C]`. */
export function zeroStuff(t: tf.Tensor4D, strideH: number, strideW: number): tf.Tensor4D {
  return tf.tidy(() => {
    let [n, h, w, c] = t.shape;
    let out: tf.Tensor = t;
    if (strideW > 1) {
      out = tf.pad(tf.reshape(out, [n, h, w, 1, c]), [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, strideW - 1],
        [0, 0],
      ]);
      w *= strideW;
    }
    if (strideH > 1) {
      out = tf.pad(tf.reshape(out, [n, h, 1, w, c]), [
        [0, 0],
        [0, 0],
        [0, strideH - 1],
        [0, 0],
        [0, 0],
      ]);
      h *= strideH;
    }
    return tf.reshape(out, [n, h, w, c]);
  });
}

/**
 * `[KH, KW, Ci, Co]` → spatially flipped `[KH, KW, Co, Ci]`. Flipping both spatial axes reverses their flattened
 * product; wasm's Reverse is a slow scalar loop (~180 ms for 3×3×256×512), so the reversal is a matMul with the
 * K×K exchange matrix instead (exact: every output is one input times 1 plus zeros), then a fast transpose.
 */
export function flipFilter(filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, ci, co] = filter.shape;
    const k = kh * kw;
    const flat = tf.reshape(filter, [k, ci * co]) as tf.Tensor2D;
    const flipped = k === 1 ? flat : tf.matMul(exchangeMatrix(k), flat);
    return tf.reshape(tf.transpose(tf.reshape(flipped, [k, ci, co]), [0, 2, 1]), [kh, kw, co, ci]);
  });
}

/** The K×K anti-diagonal identity: row i picks input row K-1-i. */
function exchangeMatrix(k: number): tf.Tensor2D {
  const values = new Float32Array(k * k);
  for (let i = 0; i < k; i++) values[i * k + (k - 1 - i)] = 1;
  return tf.tensor2d(values, [k, k]);
}

/**
 * Input gradient of a 1×1 conv: `dy · Wᵀ` on the strided positions, zeros elsewhere.
 * @example
 * const dx = inputGradPointwise(dy, w, geometry); // 1×1 convolutions
 */
export function inputGradPointwise(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const m = g.batch * g.outH * g.outW;
    const wT = tf.transpose(tf.reshape(filter, [g.inC, g.outC])); // explicit: matMul flags are slow on wasm
    const flat = tf.matMul(tf.reshape(dy, [m, g.outC]), wT);
    const sub = tf.reshape(flat, [g.batch, g.outH, g.outW, g.inC]) as tf.Tensor4D;
    const stuffed = zeroStuff(sub, g.strideH, g.strideW);
    return placeWindow(stuffed, -g.padTop, -g.padLeft, g.inH, g.inW);
  });
}

/**
 * Input gradient of a general conv: the full correlation of stuffed `dy` with the flipped filter.
 * @example
 * const dx = inputGradByConv(dy, w, geometry);
 */
export function inputGradByConv(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const stuffed = zeroStuff(dy, g.strideH, g.strideW);
    const rows = g.inH + g.kH - 1;
    const cols = g.inW + g.kW - 1;
    const framed = placeWindow(stuffed, g.kH - 1 - g.padTop, g.kW - 1 - g.padLeft, rows, cols);
    return tf.conv2d(framed, flipFilter(filter), 1, "valid");
  });
}

/**
 * Picks the formulation: one matMul for 1×1, a direct conv at stride 1, stride phases otherwise (no
 * zero-stuffing; {@link inputGradByConv} stays as the reference formulation the tests compare against).
 *
 * @example
 * ```ts
 * const dx = conv2dInputGrad(dy, filter, convGeometry(xShape, filter.shape, attrs));
 * ```
 */
export function conv2dInputGrad(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  if (g.kH === 1 && g.kW === 1) return inputGradPointwise(dy, filter, g);
  if (g.strideH === 1 && g.strideW === 1) return inputGradByConv(dy, filter, g);
  return inputGradPolyphase(dy, filter, g);
}

/**
 * The kernel function registered as `Conv2DBackpropInput` on wasm.
 *
 * @example
 * ```ts
 * tf.unregisterKernel("Conv2DBackpropInput", "wasm");
 * tf.registerKernel({ kernelName: "Conv2DBackpropInput", backendName: "wasm", kernelFunc: conv2DBackpropInputWasm });
 * ```
 */
export const conv2DBackpropInputWasm: tf.KernelFunc = ({ inputs, attrs }) => {
  const a = attrs as unknown as Conv2DBackpropInputAttrs;
  return tf.tidy(() => {
    const nchw = a.dataFormat === "NCHW";
    const filter = adoptTensor(inputs.filter!) as tf.Tensor4D;
    let dy = adoptTensor(inputs.dy!) as tf.Tensor4D;
    if (nchw) dy = tf.transpose(dy, [0, 2, 3, 1]);
    const g = convGeometry(toNhwcShape(a.inputShape, a.dataFormat), filter.shape, a);
    const dx = conv2dInputGrad(dy, filter, g);
    return nchw ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });
};
