/**
 * ColorJitter(brightness, contrast, saturation) with torchvision's tensor semantics: factors drawn uniformly
 * from [max(0, 1 - v), 1 + v], the three ops applied in a random order, each result clamped to [0, 1]. This file
 * draws them; the fused kernel that applies them is `augment/` (tables in jitter-tables.ts, loops in wasm).
 */
import { permutation, type Rng } from "./random.js";

/**
 * Jitter strengths (0 disables an op).
 * @example
 * const strengths: ColorJitterOptions = { brightness: 0.4, contrast: 0.4, saturation: 0.4 };
 */
export interface ColorJitterOptions {
  brightness: number;
  contrast: number;
  saturation: number;
}

/**
 * One image's drawn jitter: op order (0 brightness, 1 contrast, 2 saturation, 3 hue) and factors.
 * @example
 * const draw: JitterDraw = drawJitter(rng, DEFAULT_TRAIN_AUGMENT);
 */
export interface JitterDraw {
  order: Int32Array;
  brightness: number;
  contrast: number;
  saturation: number;
}

/**
 * No jitter (eval-like colours).
 * @example
 * augmentInline({ ...job, draw: NO_JITTER }, out, 0);
 */
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
