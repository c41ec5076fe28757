/**
 * Eval/serve preprocessing: Resize(shorter side → `spec.resize`) + CenterCrop(`spec.size`) + Normalize, matching
 * torchvision's `Resize(256) + CenterCrop(224) + ToTensor + Normalize` (output NHWC instead of NCHW). Decode,
 * resize and crop run as one sharp pipeline. Parity (test/unit/dataset/preprocess-parity.test.ts): mean |Δ| ≈ 0.005,
 * max ≲ 0.07 for downscaled photos. The serving fast path (`fast: true`) adds JPEG shrink-on-load (DCT-domain
 * downscale while decoding) when the source is ≥ 8× the target; that costs parity (mean |Δ| ≈ 0.025, max ≈ 0.15)
 * in exchange for decoding big photos several times faster, so training never uses it.
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
import { normalizeInto } from "./normalize.js";
import { roundHalfEven } from "./py-round.js";
import type { PreprocessSpec } from "./spec.js";

/** Shrink-on-load only when the source is at least this many times the target. */
const FAST_SHRINK_MARGIN = 8;

/** Options of {@link preprocessEval}. */
export interface EvalOptions {
  /** Write into this buffer (e.g. a batch) instead of allocating. */
  out?: Float32Array;
  /** Element offset into `out`. */
  offset?: number;
  /** Serving fast path: allow JPEG shrink-on-load for big images (looser parity, see above). */
  fast?: boolean;
  /** The oriented size if already known (`Sample.width/height`): skips re-reading the header. */
  header?: ImageSize;
}

/**
 * torchvision's `Resize(int)` output size: shorter side → `target`, longer side truncated (`int(t * long / short)`).
 *
 * @example
 * resizedSize(500, 375, 256); // { width: 341, height: 256 }
 */
export function resizedSize(
  width: number,
  height: number,
  target: number,
): { width: number; height: number } {
  if (width <= height) return { width: target, height: Math.floor((target * height) / width) };
  return { width: Math.floor((target * width) / height), height: target };
}

/**
 * torchvision's CenterCrop offsets for a `size` crop of a `width`×`height` image.
 *
 * @example
 * centerCropOffsets(341, 256, 224); // { left: 58, top: 16 }
 */
export function centerCropOffsets(
  width: number,
  height: number,
  size: number,
): { left: number; top: number } {
  return { left: roundHalfEven((width - size) / 2), top: roundHalfEven((height - size) / 2) };
}

/**
 * Decode → resize → center crop to uint8 HWC pixels (`spec.size`² × `spec.inChannels`).
 *
 * @example
 * const raw = await preprocessEvalRaw(bytes, resolvePreprocessSpec());
 */
export async function preprocessEvalRaw(
  input: ImageInput,
  spec: PreprocessSpec,
  fast = false,
  header?: ImageSize,
): Promise<RawImage> {
  header ??= await readHeader(input, spec.maxPixels);
  const target = resizedSize(header.width, header.height, spec.resize);
  const crop = centerCropOffsets(target.width, target.height, spec.size);
  const shrink =
    fast && Math.min(header.width / target.width, header.height / target.height) >= FAST_SHRINK_MARGIN;
  const img = openImage(input, spec.maxPixels)
    .resize(target.width, target.height, {
      fit: "fill",
      kernel: kernelFor(spec.interpolation),
      fastShrinkOnLoad: shrink,
    })
    .extract({ left: crop.left, top: crop.top, width: spec.size, height: spec.size });
  return toRaw(toChannels(img, spec), spec.inChannels, input);
}

/**
 * Eval/serve preprocessing of one image to normalized float32 NHWC (`[1, size, size, inChannels]` flattened).
 * Pass `out`/`offset` to write straight into a batch buffer. Throws ImageDecodeError / ImageTooLargeError.
 *
 * @example
 * const x = await preprocessEval(await readFile("cat.jpg"), resolvePreprocessSpec({ size: 224 }), { fast: true });
 * // x.length === 224 * 224 * 3
 */
export async function preprocessEval(
  input: ImageInput,
  spec: PreprocessSpec,
  opts: EvalOptions = {},
): Promise<Float32Array> {
  const raw = await preprocessEvalRaw(input, spec, opts.fast ?? false, opts.header);
  const dst = opts.out ?? new Float32Array(raw.data.length);
  normalizeInto(raw.data, raw.channels, spec.mean, spec.std, dst, opts.offset ?? 0);
  return dst;
}
