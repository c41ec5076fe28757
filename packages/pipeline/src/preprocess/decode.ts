/**
 * The one place that opens an image with sharp: EXIF orientation applied, first frame only (GIF/TIFF pages),
 * the pixel limit enforced, and truncated data rejected. Channel handling is documented here because training
 * and serving must agree on it: alpha is flattened onto `spec.background` (black by default), grey images are
 * replicated to RGB when `inChannels` is 3, colour images are converted to luminance when it is 1.
 */
import sharp, { type KernelEnum, type Sharp } from "sharp";
import { toImageError } from "./errors.js";
import { assertAllowedImage, endsEarly } from "./image-format.js";
import type { Interpolation, PreprocessSpec } from "./spec.js";

// libvips' operation cache pays off when the same operations run on the same image again; training and
// serving decode a different image every call, so the cache only costs: measured here, ~0.45 ms of CPU per
// 500×375 JPEG decode (2.2 → 1.7 ms) and 0.7 ms per crop+resize of cached pixels (1.5 → 0.8 ms), plus up to
// 50 MB of memory. It is process-wide; nothing in Residual reuses an operation.
sharp.cache(false);

/** Raw interleaved uint8 pixels (HWC). */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

/** Image bytes (JPEG, PNG or WebP: `image-format.ts`) or already-decoded pixels (e.g. from the compiled cache). */
export type ImageInput = Buffer | Uint8Array | RawImage;

/** An image's oriented size (what validation records as `Sample.width/height`). */
export interface ImageSize {
  width: number;
  height: number;
}

/** The header facts needed before building a pipeline. */
export interface ImageHeader {
  /** Width/height after EXIF orientation. */
  width: number;
  height: number;
  format: string;
  /** Bands in the file: 1–2 grey (with alpha), 3–4 colour. Raw input reports its own. */
  channels: number;
}

const KERNELS: Record<Interpolation, keyof KernelEnum> = {
  bilinear: "linear",
  bicubic: "cubic",
  nearest: "nearest",
  lanczos: "lanczos3",
};

/**
 * The sharp resize kernel for a spec interpolation.
 *
 * @example
 * sharp(buf).resize(224, 224, { kernel: kernelFor("bilinear") });
 */
export function kernelFor(interpolation: Interpolation): keyof KernelEnum {
  return KERNELS[interpolation];
}

function isRaw(input: ImageInput): input is RawImage {
  return !(input instanceof Uint8Array);
}

/**
 * Opens `input` as a sharp pipeline with the house decode options (orientation, limits, failOn). Bytes that are
 * not JPEG, PNG or WebP by their signature throw here ({@link assertAllowedImage}): libvips never sees them.
 *
 * @example
 * const img = openImage(bytes, spec.maxPixels);
 */
export function openImage(input: ImageInput, maxPixels: number): Sharp {
  if (isRaw(input)) {
    return sharp(input.data, {
      raw: { width: input.width, height: input.height, channels: input.channels as 1 | 3 | 4 },
      limitInputPixels: maxPixels,
    });
  }
  assertAllowedImage(input);
  return sharp(input, { autoOrient: true, failOn: "truncated", limitInputPixels: maxPixels, pages: 1 });
}

/**
 * Reads the header only (cheap): oriented size and format. Throws an {@link ImageDecodeError}/ImageTooLargeError.
 *
 * @example
 * const { width, height } = await readHeader(bytes, spec.maxPixels);
 */
export async function readHeader(input: ImageInput, maxPixels: number): Promise<ImageHeader> {
  if (isRaw(input))
    return { width: input.width, height: input.height, format: "raw", channels: input.channels };
  try {
    const m = await openImage(input, maxPixels).metadata();
    const width = m.autoOrient?.width ?? m.width;
    const height = m.autoOrient?.height ?? m.height;
    if (!width || !height) throw new Error("image has no dimensions");
    if (width * height > maxPixels) throw new Error("Input image exceeds pixel limit");
    return { width, height, format: m.format ?? "unknown", channels: m.channels ?? 3 };
  } catch (err) {
    throw toImageError(err, { endsEarly: endsEarly(input) });
  }
}

/**
 * Appends the channel conversion (flatten alpha, to sRGB or luminance) to a pipeline.
 *
 * @example
 * const raw = await toChannels(openImage(bytes, 1e8), spec).raw().toBuffer();
 */
export function toChannels(img: Sharp, spec: Pick<PreprocessSpec, "inChannels" | "background">): Sharp {
  const bg = spec.background === "white" ? "#ffffff" : "#000000";
  img = img.flatten({ background: bg });
  return spec.inChannels === 1 ? img.toColourspace("b-w") : img.toColourspace("srgb");
}

/**
 * Runs a pipeline to raw uint8 pixels with exactly `channels` channels. `source`, the pipeline's input, lets a
 * failure be classed by its bytes (a truncated file is `image_truncated` whatever libvips' message says).
 *
 * @example
 * const raw = await toRaw(toChannels(openImage(bytes, 1e8), spec), 3, bytes);
 */
export async function toRaw(img: Sharp, channels: number, source: ImageInput): Promise<RawImage> {
  try {
    const { data, info } = await img
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== channels)
      throw new Error(`decoder produced ${info.channels} channels, want ${channels}`);
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (err) {
    throw toImageError(err, { endsEarly: !isRaw(source) && endsEarly(source) });
  }
}
