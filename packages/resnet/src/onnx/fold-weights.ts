/**
 * Weight conversion for export: tfjs HWIO → ONNX OIHW, and BatchNorm folded into the preceding bias-free conv
 * (valid only for eval-mode BatchNorm, which has fixed statistics; GroupNorm depends on the input and is kept).
 */

/** Transpose `[kh, kw, cin, cout]` to `[cout, cin, kh, kw]`. */
export function hwioToOihw(w: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < kh; h++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        const src = ((h * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + h) * kw + x] = w[src + o]!;
      }
    }
  }
  return out;
}

export interface BatchNormValues {
  weight: Float32Array;
  bias: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
}

/**
 * Fold eval BatchNorm into an OIHW conv: W' = W·γ/√(σ²+ε) per output channel, b' = β − μ·γ/√(σ²+ε).
 * Computed in float64 so folding adds no error beyond the final float32 rounding.
 * @example
 * const { weight, bias } = foldBatchNorm(oihw, bn, 1e-5);
 */
export function foldBatchNorm(
  oihw: Float32Array,
  bn: BatchNormValues,
  eps: number,
): { weight: Float32Array; bias: Float32Array } {
  const cout = bn.weight.length;
  const per = oihw.length / cout;
  const weight = new Float32Array(oihw.length);
  const bias = new Float32Array(cout);
  for (let o = 0; o < cout; o++) {
    const scale = bn.weight[o]! / Math.sqrt(bn.variance[o]! + eps);
    bias[o] = bn.bias[o]! - bn.mean[o]! * scale;
    for (let k = 0; k < per; k++) weight[o * per + k] = oihw[o * per + k]! * scale;
  }
  return { weight, bias };
}
