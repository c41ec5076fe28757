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

/** ITU-R 601 grey weights as torchvision rounds them (a function, not a constant: see {@link JITTER_PLAN_SOURCE}). */
function greyWeights(): readonly [number, number, number] {
  return [0.2989, 0.587, 0.114];
}

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
    const w = channels === 3 ? greyWeights()[c]! : 1;
    for (let v = 0; v < 256; v++) sum += w * hist[c * 256 + v]! * lut[v]!;
  }
  return sum / (length / channels);
}

/**
 * `v → clamp(a·v + b, lo, hi)`. Clamped affine maps with `a ≥ 0` are closed under composition (brightness and
 * contrast factors are never negative), so saturation's clamp, the stages after it and Normalize collapse into
 * one such map per channel: exact in real arithmetic, so the fused result differs from op-by-op by rounding only.
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

/** Grey mean after `pre` table → saturation `fs` → `chain` (contrast after saturation; RGB only). */
function pixelMean(raw: Uint8Array, pre: Float64Array, fs: number, chain: ClampAffine): number {
  const { a, lo, hi } = chain;
  const [w0, w1, w2] = greyWeights();
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
 * The image statistics contrast needs, from wherever the pixels live (a JS array here, wasm memory in
 * augment-wasm.ts): both loops must do the same double-precision operations so every variant gives the same bits.
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
  const w = greyWeights();
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

/**
 * The plan as self-contained JavaScript for a worker thread (augment-pool.ts): every function it calls, by its
 * own source text, so it runs the same under tsx, vitest and a bundle. None of them may refer to a module-level
 * constant (a bundler may rename it); `__name` is esbuild's keep-names helper, a no-op here.
 *
 * @example
 * new Worker(`${JITTER_PLAN_SOURCE}\n…`, { eval: true });
 */
export const JITTER_PLAN_SOURCE = [
  "const __name = (f) => f;",
  ...[
    clamp01,
    run,
    greyWeights,
    activeOps,
    table,
    histogramMean,
    then,
    planJitter,
    normTable,
    saturationTables,
  ],
  `const jitterPlan = ${planJitter.name};`,
  `const jitterNormTable = ${normTable.name};`,
  `const jitterSaturationTables = ${saturationTables.name};`,
].join("\n");
