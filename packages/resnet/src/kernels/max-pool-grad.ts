/**
 * `MaxPoolGrad` for the wasm backend. The stock kernel is slow (~0.55 s per ResNet-18 step at batch 8, 224²) and
 * routes gradients differently from tfjs's cpu backend when the pool is padded (measured). Composing it from wasm
 * ops does not pay: every formulation needs ~50 full passes (window extraction, compare, first-max bookkeeping,
 * scatter) where one loop needs one, and wasm's `MaxPoolWithArgmax` is unusable (its running max starts at
 * FLT_MIN, so all-negative windows are wrong, and it keeps the last maximum). So this kernel is one JS loop over
 * the wasm heap: per output pixel it walks the window row-major, channels innermost (contiguous in NHWC), keeps
 * the FIRST maximum per channel (strictly greater replaces, padded cells are skipped, as the cpu backend and
 * torch do) and adds `dy` at that input position.
 */

import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type * as tf from "@tensorflow/tfjs-core";
import { backend_util } from "@tensorflow/tfjs-core";

/** Attributes tfjs passes to `MaxPoolGrad`. */
export interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same" | number | backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** Typed views of the kernel's operands (NHWC, float32) and its resolved geometry. */
export interface PoolGradBuffers {
  x: Float32Array;
  dy: Float32Array;
  /** Zero-filled on entry; receives the gradient. */
  dx: Float32Array;
  g: backend_util.Conv2DInfo;
}

/** Routes the `dy` of output row (n, oh, ·) to the first maximum of each window and channel. */
function routeRow(b: PoolGradBuffers, n: number, oh: number, best: Float32Array, at: Int32Array): void {
  const { x, dy, dx, g } = b;
  const c = g.inChannels;
  const h0 = oh * g.strideHeight - g.padInfo.top;
  for (let ow = 0; ow < g.outWidth; ow++) {
    const w0 = ow * g.strideWidth - g.padInfo.left;
    best.fill(Number.NEGATIVE_INFINITY);
    at.fill(-1);
    for (let kh = 0; kh < g.filterHeight; kh++) {
      const ih = h0 + kh;
      if (ih < 0 || ih >= g.inHeight) continue;
      for (let kw = 0; kw < g.filterWidth; kw++) {
        const iw = w0 + kw;
        if (iw < 0 || iw >= g.inWidth) continue;
        const base = ((n * g.inHeight + ih) * g.inWidth + iw) * c;
        for (let ch = 0; ch < c; ch++) {
          const v = x[base + ch]!;
          if (v > best[ch]!) {
            best[ch] = v;
            at[ch] = base + ch;
          }
        }
      }
    }
    const out = ((n * g.outHeight + oh) * g.outWidth + ow) * c;
    for (let ch = 0; ch < c; ch++) {
      const i = at[ch]!;
      // -1: every cell was NaN or -inf; the cpu backend drops that window's gradient too.
      if (i >= 0) dx[i] = dx[i]! + dy[out + ch]!;
    }
  }
}

/**
 * Writes the max-pool input gradient into `b.dx`: each window's `dy` goes to the first maximum of the window
 * (row-major window order), per channel.
 *
 * @example
 * ```ts
 * const g = backend_util.computePool2DInfo([1, 4, 4, 1], 2, 2, 1, "valid");
 * maxPoolGradInto({ x, dy, dx: new Float32Array(16), g });
 * ```
 */
export function maxPoolGradInto(b: PoolGradBuffers): void {
  const best = new Float32Array(b.g.inChannels);
  const at = new Int32Array(b.g.inChannels);
  for (let n = 0; n < b.g.batchSize; n++) {
    for (let oh = 0; oh < b.g.outHeight; oh++) routeRow(b, n, oh, best, at);
  }
}

/**
 * The kernel function registered as `MaxPoolGrad` on wasm.
 *
 * @example
 * ```ts
 * tf.registerKernel({ kernelName: "MaxPoolGrad", backendName: "wasm", kernelFunc: maxPoolGradWasm });
 * ```
 */
export const maxPoolGradWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const a = attrs as unknown as MaxPoolGradAttrs;
  const wasm = backend as BackendWasm;
  const input = inputs.input!;
  const shape = input.shape as [number, number, number, number];
  const g = backend_util.computePool2DInfo(shape, a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const out = wasm.makeOutput([...shape], "float32");
  // Views only after the last allocation: growing the wasm heap detaches earlier views.
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  dx.fill(0);
  const x = wasm.typedArrayFromHeap(input) as Float32Array;
  const dy = wasm.typedArrayFromHeap(inputs.dy!) as Float32Array;
  maxPoolGradInto({ x, dy, dx, g });
  return out;
};
