/**
 * Train preprocessing: RandomResizedCrop + RandomHorizontalFlip (one sharp pipeline: decode, extract, resize,
 * flop) → float → ColorJitter → Normalize. Deterministic for a given PRNG (derive it from seed/epoch/index).
 */
import { z } from "zod";
import { drawJitter, jitterNormalizeInto } from "./color-jitter.js";
import {
  type ImageInput,
  type ImageSize,
  kernelFor,
  openImage,
  readHeader,
  toChannels,
  toRaw,
} from "./decode.js";
import type { JitterPool } from "./jitter-pool.js";
import type { Rng } from "./random.js";
import { randomResizedCropBox } from "./random-resized-crop.js";
import type { PreprocessSpec } from "./spec.js";

/** Augmentation strengths; defaults are the torchvision ImageNet recipe named in the spec. */
export const TrainAugmentSchema = z
  .object({
    scale: z.tuple([z.number().positive(), z.number().positive()]).default([0.08, 1]),
    ratio: z.tuple([z.number().positive(), z.number().positive()]).default([3 / 4, 4 / 3]),
    hflip: z.number().min(0).max(1).default(0.5),
    brightness: z.number().min(0).default(0.4),
    contrast: z.number().min(0).default(0.4),
    saturation: z.number().min(0).default(0.4),
  })
  .strict();

export type TrainAugment = z.infer<typeof TrainAugmentSchema>;

/** The default augmentation (parsed once). */
export const DEFAULT_TRAIN_AUGMENT: TrainAugment = TrainAugmentSchema.parse({});

/**
 * Train preprocessing of one image to normalized float32 NHWC (`size² × inChannels`), written at `out[offset]`
 * when `out` is given. Pass `header` (the oriented size validation recorded, `Sample.width/height`) to skip
 * re-reading the image header; the crop box is drawn from it. With `pool` (and `out` from `allocBatch`) the
 * jitter runs on a worker thread, same result. Throws ImageDecodeError / ImageTooLargeError.
 *
 * @example
 * const x = await preprocessTrain(bytes, resolvePreprocessSpec(), createRng(seed, epoch, index));
 */
export async function preprocessTrain(
  input: ImageInput,
  spec: PreprocessSpec,
  rng: Rng,
  augment: TrainAugment = DEFAULT_TRAIN_AUGMENT,
  out?: Float32Array,
  offset = 0,
  header?: ImageSize,
  pool?: JitterPool,
): Promise<Float32Array> {
  header ??= await readHeader(input, spec.maxPixels);
  const box = randomResizedCropBox(header.width, header.height, rng, augment.scale, augment.ratio);
  const flip = rng.next() < augment.hflip;
  let img = openImage(input, spec.maxPixels)
    .extract({ left: box.left, top: box.top, width: box.width, height: box.height })
    .resize(spec.size, spec.size, { fit: "fill", kernel: kernelFor(spec.interpolation) });
  if (flip) img = img.flop();
  const raw = await toRaw(toChannels(img, spec), spec.inChannels);
  const dst = out ?? new Float32Array(raw.data.length);
  const draw = drawJitter(rng, augment);
  const at = out ? offset : 0;
  if (pool) await pool.run(raw.data, raw.channels, draw, spec.mean, spec.std, dst, at);
  else jitterNormalizeInto(raw.data, raw.channels, draw, spec.mean, spec.std, dst, at);
  return dst;
}
