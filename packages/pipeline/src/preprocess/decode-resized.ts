/**
 * The compiled cache's decode: oriented, channel-converted uint8 pixels, downscaled (never upscaled) so the
 * shorter side is at most `side`, with torchvision `Resize(int)` rounding. With `side = spec.resize` the eval
 * transform applied to the cached pixels is the same resize-to-the-same-size (a no-op) plus the center crop, so
 * eval tensors from the cache equal those from the original files.
 */
import {
  type ImageInput,
  type ImageSize,
  kernelFor,
  openImage,
  type RawImage,
  readHeader,
  toChannels,
  toRaw,
} from "./decode.js";
import { resizedSize } from "./eval.js";
import type { PreprocessSpec } from "./spec.js";

/** One decode planned from `size`; `guard` keeps a wrong size from upscaling (see {@link decodeResized}). */
async function decodeAt(
  input: ImageInput,
  spec: PreprocessSpec,
  side: number,
  size: ImageSize,
  guard: boolean,
): Promise<{ raw: RawImage; want: ImageSize }> {
  let img = openImage(input, spec.maxPixels);
  let want = size;
  if (Math.min(size.width, size.height) > side) {
    want = resizedSize(size.width, size.height, side);
    img = img.resize(want.width, want.height, {
      fit: "fill",
      kernel: kernelFor(spec.interpolation),
      withoutEnlargement: guard,
    });
  }
  return { raw: await toRaw(toChannels(img, spec), spec.inChannels, input), want };
}

/**
 * Decodes `input` to raw pixels whose shorter side is `min(side, original shorter side)`.
 *
 * Pass `header` (the oriented size validation recorded, `Sample.width/height`) to skip re-reading the image
 * header (~0.16 ms of CPU per JPEG). A wrong recorded size never crashes and never upscales: an axis that is
 * smaller than planned is left at its real size (sharp clamps each axis separately), and an image that needed no
 * resize comes out at its real size, so the output size differs from the planned one and the image is decoded
 * again from its own header. What cannot be seen without the header is a real size that still covers the
 * planned output: the same aspect ratio gives the same pixels anyway, a different one is stretched to the
 * recorded aspect (validation records the size from the same bytes, so that takes bytes changed since).
 *
 * @example
 * const raw = await decodeResized(bytes, spec, spec.resize); // 500×375 → 341×256×3
 * const same = await decodeResized(bytes, spec, spec.resize, { width: 500, height: 375 }); // no header read
 */
export async function decodeResized(
  input: ImageInput,
  spec: PreprocessSpec,
  side: number,
  header?: ImageSize,
): Promise<RawImage> {
  const size = header ?? (await readHeader(input, spec.maxPixels));
  const { raw, want } = await decodeAt(input, spec, side, size, header !== undefined);
  if (header && (raw.width !== want.width || raw.height !== want.height)) {
    return decodeResized(input, spec, side);
  }
  return raw;
}
