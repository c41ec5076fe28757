/**
 * Input gradient of a strided conv without zero-stuffing. Input row `p = s·P + r` (in padded coordinates) only
 * receives taps `k ≡ r (mod s)`, so each stride phase `r` is a stride-1 full correlation of `dy` with the
 * sub-filter `W[r], W[r+s], …` — s² small convolutions instead of one on an s²-times larger, mostly-zero map.
 *
 * All phases run as ONE wasm conv: sub-filters are zero-padded to the longest (`⌈K/s⌉` taps), flipped, and
 * stacked along output channels in (rh, rw, ci) order, so one 4D transpose interleaves the phases back into
 * place (wasm's `DepthToSpace` does the same 4–30× slower). For 3×3 stride 2 that is 16 taps per 2×2 output
 * block instead of 36 with zero-stuffing (9 useful).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ConvGeometry } from "./conv-geometry.js";
import { placeWindow } from "./place-window.js";

/** Taps per phase after zero-padding: the longest sub-filter of a `k`-tap filter at stride `s`. */
function phaseTaps(k: number, s: number): number {
  return Math.ceil(k / s);
}

/**
 * 0/1 matrix picking, for each (a, b, rh, rw), the filter tap `(rh + sH·(T_H-1-a), rw + sW·(T_W-1-b))` (flipped
 * sub-filter tap a, b of phase rh, rw), or nothing where that tap lies past the filter. As a matMul it gathers
 * and zero-pads every sub-filter at once, exactly (each row holds at most one 1).
 */
function phaseSelection(kH: number, kW: number, sH: number, sW: number): tf.Tensor2D {
  const [tH, tW] = [phaseTaps(kH, sH), phaseTaps(kW, sW)];
  const rows = tH * tW * sH * sW;
  const values = new Float32Array(rows * kH * kW);
  let row = 0;
  for (let a = 0; a < tH; a++) {
    for (let b = 0; b < tW; b++) {
      for (let rh = 0; rh < sH; rh++) {
        for (let rw = 0; rw < sW; rw++, row++) {
          const [kh, kw] = [rh + sH * (tH - 1 - a), rw + sW * (tW - 1 - b)];
          if (kh < kH && kw < kW) values[row * kH * kW + kh * kW + kw] = 1;
        }
      }
    }
  }
  return tf.tensor2d(values, [rows, kH * kW]);
}

/**
 * `[KH, KW, Ci, Co]` → the phase filter `[T_H, T_W, Co, sH·sW·Ci]`: per output-channel block (rh, rw) the
 * flipped, in/out-swapped sub-filter of that phase.
 *
 * @example
 * ```ts
 * phaseFilter(tf.ones([3, 3, 4, 8]), 2, 2).shape; // [2, 2, 8, 16]
 * ```
 */
export function phaseFilter(filter: tf.Tensor4D, sH: number, sW: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [kH, kW, ci, co] = filter.shape;
    const [tH, tW] = [phaseTaps(kH, sH), phaseTaps(kW, sW)];
    const picked = tf.matMul(phaseSelection(kH, kW, sH, sW), tf.reshape(filter, [kH * kW, ci * co]));
    const perTap = tf.transpose(tf.reshape(picked, [tH * tW, sH * sW, ci, co]), [0, 3, 1, 2]);
    return tf.reshape(perTap, [tH, tW, co, sH * sW * ci]);
  });
}

/** `[N, P, Q, sH·sW·C]` phases in (rh, rw, c) order → `[N, P·sH, Q·sW, C]`, row `P·sH + rh`, column `Q·sW + rw`. */
function interleave(phases: tf.Tensor4D, sH: number, sW: number): tf.Tensor4D {
  const [n, p, q, depth] = phases.shape;
  const c = depth / (sH * sW);
  const swapped = tf.transpose(tf.reshape(phases, [n * p, q, sH, sW * c]), [0, 2, 1, 3]);
  return tf.reshape(swapped, [n, p * sH, q * sW, c]);
}

/**
 * Input gradient of a strided conv by stride phases (see file comment).
 *
 * @example
 * ```ts
 * const g = convGeometry([8, 56, 56, 64], [3, 3, 64, 128], { strides: 2, pad: 1, dataFormat: "NHWC" });
 * const dx = inputGradPolyphase(dy, filter, g); // [8, 56, 56, 64]
 * ```
 */
export function inputGradPolyphase(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [sH, sW] = [g.strideH, g.strideW];
    const [tH, tW] = [phaseTaps(g.kH, sH), phaseTaps(g.kW, sW)];
    // Full correlation: every phase row P = o + j (o < outH, j < T) is computed.
    const rows = g.outH + 2 * (tH - 1);
    const cols = g.outW + 2 * (tW - 1);
    const framed = placeWindow(dy, tH - 1, tW - 1, rows, cols);
    const phases = tf.conv2d(framed, phaseFilter(filter, sH, sW), 1, "valid"); // [N, P, Q, sH·sW·Ci]
    const padded = interleave(phases, sH, sW); // padded-input coordinates p = s·P + r
    return placeWindow(padded, -g.padTop, -g.padLeft, g.inH, g.inW);
  });
}
