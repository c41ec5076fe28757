/**
 * The ColorJitter + Normalize tables of one image. Brightness and contrast are the same kind of op,
 * `v → clamp(f·v + b)` on each channel alike, so the drawn chain splits into scalar stages before saturation (the
 * only op that mixes channels), saturation, and scalar stages after it. Stages before saturation act on uint8
 * inputs, so they become one 256-entry table; contrast's grey mean (of the image *as it is when contrast runs*)
 * comes from per-channel histograms when contrast precedes saturation, otherwise from one read-only pre-pass.
 * Without saturation the whole thing is a table lookup per element. The per-op clamps are kept, so results equal
 * the op-by-op definition up to float rounding. The wasm kernel's loops (augment.ts) read these tables; so does
 * the JS test oracle, which is why the two give the same bits.
 */
import type { JitterDraw } from "../color-jitter.js";

/** `v → clamp(f·v + b)`: brightness (b = 0) or contrast (b = (1 - f)·mean). */
interface Stage {
  f: number;
  b: number;
}

/**
 * ITU-R 601 grey weights as torchvision rounds them.
 *
 * @example
 * const [wr, wg, wb] = GREY_WEIGHTS;
 */
export const GREY_WEIGHTS: readonly [number, number, number] = [0.2989, 0.587, 0.114];

function clamp01(v: number): number {
  // biome-ignore lint/complexity/useMathMinMax: the plain ternary stays cheaper in the per-pixel loop
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function run(stages: readonly Stage[], v: number): number {
  for (const s of stages) v = clamp01(s.f * v + s.b);
  return v;
}

/** Active ops in drawn order: 0 brightness, 1 contrast, 2 saturation (hue and factor-1 ops dropped). */
function activeOps(d: JitterDraw, channels: number): number[] {
  const ops: number[] = [];
  for (const op of d.order) {
    if (op === 0 && d.brightness !== 1) ops.push(0);
    else if (op === 1 && d.contrast !== 1) ops.push(1);
    else if (op === 2 && d.saturation !== 1 && channels === 3) ops.push(2);
  }
  return ops;
}

/** A 256-entry table of `stages` applied to `v / 255`. */
function table(stages: readonly Stage[]): Float64Array {
  const t = new Float64Array(256);
  for (let v = 0; v < 256; v++) t[v] = run(stages, v / 255);
  return t;
}

/** Grey mean through a per-value table, from per-channel histograms (`channels` × 256) of `length` bytes. */
function histogramMean(hist: Int32Array, channels: number, length: number, lut: Float64Array): number {
  let sum = 0;
  for (let c = 0; c < channels; c++) {
    const w = channels === 3 ? GREY_WEIGHTS[c]! : 1;
    for (let v = 0; v < 256; v++) sum += w * hist[c * 256 + v]! * lut[v]!;
  }
  return sum / (length / channels);
}

/**
 * `v → clamp(a·v + b, lo, hi)`. Clamped affine maps with `a ≥ 0` are closed under composition (brightness and
 * contrast factors are never negative), so saturation's clamp, the stages after it and Normalize collapse into
 * one such map per channel: exact in real arithmetic, so the fused result differs from op-by-op by rounding only.
 * @example
 * const identity: ClampAffine = { a: 1, b: 0, lo: 0, hi: 1 };
 */
export interface ClampAffine {
  a: number;
  b: number;
  lo: number;
  hi: number;
}

/** `stage ∘ m`: the stage applied to the map's output (then clamped to [0, 1], as the stage does). */
function then(m: ClampAffine, s: Stage): ClampAffine {
  return {
    a: s.f * m.a,
    b: s.f * m.b + s.b,
    lo: clamp01(s.f * m.lo + s.b),
    hi: clamp01(s.f * m.hi + s.b),
  };
}

/**
 * The image statistics contrast needs, from wherever the pixels live (wasm memory in augment.ts, a JS array in
 * the test oracle): both must do the same double-precision operations so every variant gives the same bits.
 * @example
 * const plan = planJitter(pixels, 3, draw); // pixels: JitterPixels over wasm memory or a JS array
 */
export interface JitterPixels {
  /** Bytes (pixels × channels). */
  length: number;
  /** Per-channel histograms, `channels` × 256 counts. */
  histogram(): Int32Array;
  /** Grey mean after the `pre` table → saturation `fs` → `chain` (RGB only). */
  pixelMean(pre: Float64Array, fs: number, chain: ClampAffine): number;
}

/** A drawn jitter resolved for one image: pre-saturation table, saturation factor, post-saturation map. */
export interface JitterPlan {
  lut: Float64Array;
  saturation: number;
  post: ClampAffine;
}

/**
 * Resolves the drawn ops into stages before/after saturation, computing contrast's mean where it runs.
 *
 * @example
 * const p = planJitter(jsPixels(raw, 3), 3, draw);
 */
export function planJitter(px: JitterPixels, channels: number, d: JitterDraw): JitterPlan {
  const ops = activeOps(d, channels);
  const s = ops.indexOf(2);
  const preOps = s < 0 ? ops : ops.slice(0, s);
  const postOps = s < 0 ? [] : ops.slice(s + 1);
  const pre: Stage[] = [];
  for (const op of preOps) {
    if (op === 0) pre.push({ f: d.brightness, b: 0 });
    else {
      const mean = histogramMean(px.histogram(), channels, px.length, table(pre));
      pre.push({ f: d.contrast, b: (1 - d.contrast) * mean });
    }
  }
  const lut = table(pre);
  let post: ClampAffine = { a: 1, b: 0, lo: 0, hi: 1 }; // saturation's own clamp
  for (const op of postOps) {
    if (op === 0) post = then(post, { f: d.brightness, b: 0 });
    else {
      const b = (1 - d.contrast) * px.pixelMean(lut, d.saturation, post);
      post = then(post, { f: d.contrast, b });
    }
  }
  return { lut, saturation: s < 0 ? 1 : d.saturation, post };
}

/**
 * Without saturation everything is per value: one f32 table per channel (`channels` × 256), Normalize folded in.
 *
 * @example
 * const norm = normTable(plan.lut, 3, spec.mean, spec.std);
 */
export function normTable(
  lut: Float64Array,
  channels: number,
  mean: readonly number[],
  std: readonly number[],
): Float32Array {
  const norm = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++)
    for (let v = 0; v < 256; v++) norm[c * 256 + v] = (lut[v]! - mean[c]!) / std[c]!;
  return norm;
}

/** The tables of the saturation loop: `scaled` and `grey` (3 × 256 each) and `lims` (A, L, H per channel). */
export interface SaturationTables {
  scaled: Float64Array;
  grey: Float64Array;
  lims: Float64Array;
}

/**
 * Normalize folded into the post chain per channel: `y = clamp(A·(fs·v + (1-fs)·grey) + B, L, H)`, split into
 * per-value tables so the loop does lookups, three multiply-adds and a clamp per channel.
 *
 * @example
 * const t = saturationTables(plan, spec.mean, spec.std);
 */
export function saturationTables(p: JitterPlan, mean: readonly number[], std: readonly number[]) {
  const { lut, saturation: fs, post } = p;
  const scaled = new Float64Array(768);
  const grey = new Float64Array(768);
  const lims = new Float64Array(9);
  const w = GREY_WEIGHTS;
  for (let c = 0; c < 3; c++) {
    const inv = 1 / std[c]!;
    const A = post.a * inv;
    const B = (post.b - mean[c]!) * inv;
    lims[c] = A;
    lims[3 + c] = (post.lo - mean[c]!) * inv;
    lims[6 + c] = (post.hi - mean[c]!) * inv;
    for (let v = 0; v < 256; v++) {
      scaled[c * 256 + v] = A * fs * lut[v]! + B;
      grey[c * 256 + v] = (1 - fs) * w[c]! * lut[v]!;
    }
  }
  return { scaled, grey, lims } satisfies SaturationTables;
}
