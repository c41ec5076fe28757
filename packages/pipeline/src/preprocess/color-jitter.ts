/**
 * ColorJitter(brightness, contrast, saturation) with torchvision's tensor semantics: factors drawn uniformly
 * from [max(0, 1 - v), 1 + v], the three ops applied in a random order, each result clamped to [0, 1].
 *
 * Fused with ToTensor + Normalize. Brightness and contrast are the same kind of op, `v → clamp(f·v + b)` on
 * each channel alike, so the chain splits into scalar stages before saturation (the only op that mixes
 * channels), saturation, and scalar stages after it. Stages before saturation act on uint8 inputs, so they
 * become one 256-entry table; contrast's grey mean (of the image *as it is when contrast runs*) comes from
 * per-channel histograms when contrast precedes saturation, otherwise from one read-only pre-pass. Without
 * saturation the whole thing is a table lookup per element. The per-op clamps are kept, so results equal the
 * op-by-op definition up to float rounding (test/unit/dataset/color-jitter.test.ts keeps that definition).
 */
import { permutation, type Rng } from "./random.js";

/** Jitter strengths (0 disables an op). */
export interface ColorJitterOptions {
  brightness: number;
  contrast: number;
  saturation: number;
}

/** One image's drawn jitter: op order (0 brightness, 1 contrast, 2 saturation, 3 hue) and factors. */
export interface JitterDraw {
  order: Int32Array;
  brightness: number;
  contrast: number;
  saturation: number;
}

/** No jitter (eval-like colours). */
export const NO_JITTER: JitterDraw = {
  order: Int32Array.of(0, 1, 2, 3),
  brightness: 1,
  contrast: 1,
  saturation: 1,
};

function factor(rng: Rng, v: number): number {
  return rng.uniform(Math.max(0, 1 - v), 1 + v);
}

/**
 * Draws the order first, then the factors, like torchvision's `get_params` (a disabled op draws nothing).
 *
 * @example
 * const draw = drawJitter(rng, { brightness: 0.4, contrast: 0.4, saturation: 0.4 });
 */
export function drawJitter(rng: Rng, opts: ColorJitterOptions): JitterDraw {
  const order = permutation(4, rng);
  return {
    order,
    brightness: opts.brightness > 0 ? factor(rng, opts.brightness) : 1,
    contrast: opts.contrast > 0 ? factor(rng, opts.contrast) : 1,
    saturation: opts.saturation > 0 ? factor(rng, opts.saturation) : 1,
  };
}

/** `v → clamp(f·v + b)`: brightness (b = 0) or contrast (b = (1 - f)·mean). */
interface Stage {
  f: number;
  b: number;
}

const IDENTITY: Stage = { f: 1, b: 0 };
const W = [0.2989, 0.587, 0.114] as const;

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

/** Grey mean through a per-value table, from per-channel histograms of the uint8 image. */
function histogramMean(raw: Uint8Array, channels: number, lut: Float64Array): number {
  const hist = new Float64Array(256 * channels);
  for (let i = 0; i < raw.length; i += channels) {
    for (let c = 0; c < channels; c++) hist[c * 256 + raw[i + c]!]!++;
  }
  let sum = 0;
  for (let c = 0; c < channels; c++) {
    const w = channels === 3 ? W[c]! : 1;
    for (let v = 0; v < 256; v++) sum += w * hist[c * 256 + v]! * lut[v]!;
  }
  return sum / (raw.length / channels);
}

/** Grey mean after `pre` table → saturation `fs` → `mid` stage (contrast after saturation; RGB only). */
function pixelMean(raw: Uint8Array, pre: Float64Array, fs: number, mid: Stage): number {
  const { f, b: bias } = mid;
  const [w0, w1, w2] = W;
  let sum = 0;
  for (let i = 0; i < raw.length; i += 3) {
    const r = pre[raw[i]!]!;
    const g = pre[raw[i + 1]!]!;
    const b = pre[raw[i + 2]!]!;
    const k = (1 - fs) * (w0 * r + w1 * g + w2 * b);
    const r2 = clamp01(f * clamp01(fs * r + k) + bias);
    const g2 = clamp01(f * clamp01(fs * g + k) + bias);
    const b2 = clamp01(f * clamp01(fs * b + k) + bias);
    sum += w0 * r2 + w1 * g2 + w2 * b2;
  }
  return sum / (raw.length / 3);
}

/** Resolves the op list into stages before/after saturation, computing contrast's mean where it runs. */
function plan(raw: Uint8Array, channels: number, d: JitterDraw, ops: number[]) {
  const s = ops.indexOf(2);
  const preOps = s < 0 ? ops : ops.slice(0, s);
  const postOps = s < 0 ? [] : ops.slice(s + 1);
  const pre: Stage[] = [];
  for (const op of preOps) {
    if (op === 0) pre.push({ f: d.brightness, b: 0 });
    else pre.push({ f: d.contrast, b: (1 - d.contrast) * histogramMean(raw, channels, table(pre)) });
  }
  const lut = table(pre);
  const post: Stage[] = [];
  for (const op of postOps) {
    if (op === 0) post.push({ f: d.brightness, b: 0 });
    else
      post.push({
        f: d.contrast,
        b: (1 - d.contrast) * pixelMean(raw, lut, d.saturation, post[0] ?? IDENTITY),
      });
  }
  return { lut, saturation: s < 0 ? 1 : d.saturation, post };
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
  const p = plan(raw, channels, draw, activeOps(draw, channels));
  if (p.saturation === 1) {
    // Everything is per value: one table per channel, normalization folded in.
    const norm = new Float32Array(256 * channels);
    for (let c = 0; c < channels; c++)
      for (let v = 0; v < 256; v++) norm[c * 256 + v] = (p.lut[v]! - mean[c]!) / std[c]!;
    if (channels === 1) for (let i = 0; i < raw.length; i++) out[offset + i] = norm[raw[i]!]!;
    else rgbLookup(raw, norm, out, offset);
    return;
  }
  saturateInto(raw, p, mean, std, out, offset);
}

function rgbLookup(raw: Uint8Array, norm: Float32Array, out: Float32Array, offset: number): void {
  for (let i = 0; i < raw.length; i += 3) {
    out[offset + i] = norm[raw[i]!]!;
    out[offset + i + 1] = norm[256 + raw[i + 1]!]!;
    out[offset + i + 2] = norm[512 + raw[i + 2]!]!;
  }
}

function saturateInto(
  raw: Uint8Array,
  p: { lut: Float64Array; saturation: number; post: Stage[] },
  mean: readonly number[],
  std: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  const { lut, saturation: fs } = p;
  // Two fixed post stages (identity-padded) keep the hot loop free of per-pixel dispatch; locals, not
  // objects, so V8 keeps them in registers.
  const { f: f1, b: b1 } = p.post[0] ?? IDENTITY;
  const { f: f2, b: b2 } = p.post[1] ?? IDENTITY;
  const [m0, m1, m2] = [mean[0]!, mean[1]!, mean[2]!];
  const [i0, i1, i2] = [1 / std[0]!, 1 / std[1]!, 1 / std[2]!];
  const [w0, w1, w2] = W;
  for (let i = 0; i < raw.length; i += 3) {
    const r = lut[raw[i]!]!;
    const g = lut[raw[i + 1]!]!;
    const b = lut[raw[i + 2]!]!;
    const k = (1 - fs) * (w0 * r + w1 * g + w2 * b);
    out[offset + i] = (clamp01(f2 * clamp01(f1 * clamp01(fs * r + k) + b1) + b2) - m0) * i0;
    out[offset + i + 1] = (clamp01(f2 * clamp01(f1 * clamp01(fs * g + k) + b1) + b2) - m1) * i1;
    out[offset + i + 2] = (clamp01(f2 * clamp01(f1 * clamp01(fs * b + k) + b1) + b2) - m2) * i2;
  }
}
