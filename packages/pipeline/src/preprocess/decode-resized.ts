/**
 * The compiled cache's decode: oriented, channel-converted uint8 pixels, downscaled (never upscaled) so the
 * shorter side is at most `side`, with torchvision `Resize(int)` rounding. With `side = spec.resize` the eval
 * transform applied to the cached pixels is the same resize-to-the-same-size (a no-op) plus the center crop, so
 * eval tensors from the cache equal those from the original files.
 */
import {
  type ImageInput,
  kernelFor,
  openImage,
  type RawImage,
  readHeader,
  toChannels,
  toRaw,
} from "./decode.js";
import { resizedSize } from "./eval.js";
import type { PreprocessSpec } from "./spec.js";

/**
 * Decodes `input` to raw pixels whose shorter side is `min(side, original shorter side)`.
 *
 * @example
 * const raw = await decodeResized(bytes, spec, spec.resize); // 500×375 → 341×256×3
 */
export async function decodeResized(
  input: ImageInput,
  spec: PreprocessSpec,
  side: number,
): Promise<RawImage> {
  const header = await readHeader(input, spec.maxPixels);
  let img = openImage(input, spec.maxPixels);
  if (Math.min(header.width, header.height) > side) {
    const target = resizedSize(header.width, header.height, side);
    img = img.resize(target.width, target.height, { fit: "fill", kernel: kernelFor(spec.interpolation) });
  }
  return toRaw(toChannels(img, spec), spec.inChannels);
}
