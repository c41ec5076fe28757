/**
 * torchvision's `RandomResizedCrop.get_params` (v0.14), including its 10-try loop and the central-crop fallback,
 * so a crop distribution tuned on PyTorch carries over.
 */
import { roundHalfEven } from "./py-round.js";
import type { Rng } from "./random.js";

/** A crop window in pixels (top-left corner and size). */
export interface CropBox {
  top: number;
  left: number;
  width: number;
  height: number;
}

/**
 * Samples a RandomResizedCrop box for a `width`×`height` image.
 *
 * @example
 * const box = randomResizedCropBox(500, 375, createRng(1), [0.08, 1], [3 / 4, 4 / 3]);
 */
export function randomResizedCropBox(
  width: number,
  height: number,
  rng: Rng,
  scale: readonly [number, number] = [0.08, 1],
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
): CropBox {
  const area = width * height;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(0, height - h + 1);
      const left = rng.int(0, width - w + 1);
      return { top, left, width: w, height: h };
    }
  }
  return centralFallback(width, height, ratio);
}

function centralFallback(width: number, height: number, ratio: readonly [number, number]): CropBox {
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(ratio[0], ratio[1])) {
    h = roundHalfEven(w / Math.min(ratio[0], ratio[1]));
  } else if (inRatio > Math.max(ratio[0], ratio[1])) {
    w = roundHalfEven(h * Math.max(ratio[0], ratio[1]));
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), width: w, height: h };
}
