/**
 * The JS loops of the fused ColorJitter + Normalize: the test oracle of the wasm kernel (augment.test.ts checks
 * the kernel against it bit for bit; color-jitter.test.ts checks it against the op-by-op definition). It reads
 * the same tables as the kernel (jitter-tables.ts) with the same double-precision operations.
 */
import {
  type ClampAffine,
  GREY_WEIGHTS,
  type JitterDraw,
  type JitterPixels,
  normTable,
  planJitter,
  saturationTables,
} from "@residual/pipeline/testing";

/** Grey mean after `pre` table → saturation `fs` → `chain` (contrast after saturation; RGB only). */
function pixelMean(raw: Uint8Array, pre: Float64Array, fs: number, chain: ClampAffine): number {
  const { a, lo, hi } = chain;
  const [w0, w1, w2] = GREY_WEIGHTS;
  const af = a * fs;
  const bb = chain.b;
  let sum = 0;
  for (let i = 0; i < raw.length; i += 3) {
    const r = pre[raw[i]!]!;
    const g = pre[raw[i + 1]!]!;
    const b = pre[raw[i + 2]!]!;
    const k = a * (1 - fs) * (w0 * r + w1 * g + w2 * b) + bb;
    const r2 = af * r + k;
    const g2 = af * g + k;
    const b2 = af * b + k;
    sum +=
      w0 * Math.min(hi, Math.max(lo, r2)) +
      w1 * Math.min(hi, Math.max(lo, g2)) +
      w2 * Math.min(hi, Math.max(lo, b2));
  }
  return sum / (raw.length / 3);
}

/**
 * The {@link JitterPixels} of a JS array.
 *
 * @example
 * const p = planJitter(jsPixels(raw, 3), 3, draw);
 */
export function jsPixels(raw: Uint8Array, channels: number): JitterPixels {
  return {
    length: raw.length,
    histogram: () => {
      const hist = new Int32Array(256 * channels);
      for (let i = 0; i < raw.length; i += channels) {
        for (let c = 0; c < channels; c++) hist[c * 256 + raw[i + c]!]!++;
      }
      return hist;
    },
    pixelMean: (pre, fs, chain) => pixelMean(raw, pre, fs, chain),
  };
}

/**
 * uint8 HWC pixels → ColorJitter (drawn) → `(v - mean[c]) / std[c]`, written to `out` from `offset`.
 *
 * @example
 * jitterNormalizeInto(raw.data, 3, drawJitter(rng, augment), spec.mean, spec.std, batch, k * per);
 */
export function jitterNormalizeInto(
  raw: Uint8Array,
  channels: number,
  draw: JitterDraw,
  mean: readonly number[],
  std: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  const p = planJitter(jsPixels(raw, channels), channels, draw);
  if (p.saturation === 1) {
    const norm = normTable(p.lut, channels, mean, std);
    if (channels === 1) for (let i = 0; i < raw.length; i++) out[offset + i] = norm[raw[i]!]!;
    else rgbLookup(raw, norm, out, offset);
    return;
  }
  const t = saturationTables(p, mean, std);
  rgbSaturate(raw, t.scaled, t.grey, t.lims, out, offset);
}

function rgbLookup(raw: Uint8Array, norm: Float32Array, out: Float32Array, offset: number): void {
  for (let i = 0; i < raw.length; i += 3) {
    out[offset + i] = norm[raw[i]!]!;
    out[offset + i + 1] = norm[256 + raw[i + 1]!]!;
    out[offset + i + 2] = norm[512 + raw[i + 2]!]!;
  }
}

/** The hot loop: six lookups, three multiply-adds and two compares per channel (assembly/jitter.ts: saturate). */
function rgbSaturate(
  raw: Uint8Array,
  s: Float64Array,
  g: Float64Array,
  lims: Float64Array,
  out: Float32Array,
  offset: number,
): void {
  const [a0, a1, a2] = [lims[0]!, lims[1]!, lims[2]!];
  const [l0, l1, l2] = [lims[3]!, lims[4]!, lims[5]!];
  const [h0, h1, h2] = [lims[6]!, lims[7]!, lims[8]!];
  for (let i = 0; i < raw.length; i += 3) {
    const r = raw[i]!;
    const gg = raw[i + 1]!;
    const b = raw[i + 2]!;
    const t = g[r]! + g[256 + gg]! + g[512 + b]!;
    const y0 = s[r]! + a0 * t;
    const y1 = s[256 + gg]! + a1 * t;
    const y2 = s[512 + b]! + a2 * t;
    const o = offset + i;
    out[o] = Math.min(h0, Math.max(l0, y0));
    out[o + 1] = Math.min(h1, Math.max(l1, y1));
    out[o + 2] = Math.min(h2, Math.max(l2, y2));
  }
}
