/**
 * ColorJitter(brightness, contrast, saturation) with torchvision's tensor semantics: factors drawn uniformly
 * from [max(0, 1 - v), 1 + v], the three ops applied in a random order, each result clamped to [0, 1].
 * It runs on the small cropped float image (size² pixels), where a single JS pass is cheaper than another
 * libvips pipeline; contrast needs the grey mean of the current image, which libvips cannot fold into `linear`.
 */
import { permutation, type Rng } from "./random.js";

/** Jitter strengths (0 disables an op). */
export interface ColorJitterOptions {
  brightness: number;
  contrast: number;
  saturation: number;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function grey(px: Float32Array, i: number): number {
  return 0.2989 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]!;
}

function brightness(px: Float32Array, f: number): void {
  for (let i = 0; i < px.length; i++) px[i] = clamp01(px[i]! * f);
}

function contrast(px: Float32Array, channels: number, f: number): void {
  let sum = 0;
  for (let i = 0; i < px.length; i += channels) sum += channels === 3 ? grey(px, i) : px[i]!;
  const mean = sum / (px.length / channels);
  const bias = (1 - f) * mean;
  for (let i = 0; i < px.length; i++) px[i] = clamp01(px[i]! * f + bias);
}

function saturation(px: Float32Array, channels: number, f: number): void {
  if (channels !== 3) return;
  for (let i = 0; i < px.length; i += 3) {
    const g = (1 - f) * grey(px, i);
    px[i] = clamp01(px[i]! * f + g);
    px[i + 1] = clamp01(px[i + 1]! * f + g);
    px[i + 2] = clamp01(px[i + 2]! * f + g);
  }
}

function factor(rng: Rng, v: number): number {
  return rng.uniform(Math.max(0, 1 - v), 1 + v);
}

/**
 * Applies ColorJitter in place to float HWC pixels in [0, 1]. Draws the order first, then the factors, like
 * torchvision's `get_params`.
 *
 * @example
 * colorJitterInPlace(px, 3, { brightness: 0.4, contrast: 0.4, saturation: 0.4 }, rng);
 */
export function colorJitterInPlace(
  px: Float32Array,
  channels: number,
  opts: ColorJitterOptions,
  rng: Rng,
): void {
  const order = permutation(4, rng);
  const fb = opts.brightness > 0 ? factor(rng, opts.brightness) : 1;
  const fc = opts.contrast > 0 ? factor(rng, opts.contrast) : 1;
  const fs = opts.saturation > 0 ? factor(rng, opts.saturation) : 1;
  for (const op of order) {
    if (op === 0 && fb !== 1) brightness(px, fb);
    else if (op === 1 && fc !== 1) contrast(px, channels, fc);
    else if (op === 2 && fs !== 1) saturation(px, channels, fs);
    // op 3 is hue, which the spec leaves at 0 (torchvision draws it in the same permutation).
  }
}
