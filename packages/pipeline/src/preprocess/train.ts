/**
 * Train preprocessing: RandomResizedCrop + RandomHorizontalFlip + ColorJitter + Normalize. With bilinear
 * interpolation (the default) the crop's region is decoded to raw pixels (or the pixels come raw from the
 * compiled cache) and the whole augment runs in the wasm kernel (augment.ts): the crop+resize is bit-exact with torchvision's on PIL
 * images, and one resampler serves the cache and the files. Other interpolations keep one sharp pipeline
 * (decode, extract, resize, flop) and run only the jitter in the kernel. Deterministic for a given PRNG (derive
 * it from seed/epoch/index); the draws come in torchvision's order: crop box, flip, jitter.
 */
import { z } from "zod";
import type { AugmentJob } from "./augment/augment.js";
import { augmentInline } from "./augment/augment.js";
import type { AugmentPool } from "./augment/augment-pool.js";
import { drawJitter } from "./color-jitter.js";
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
import { ImageDecodeError } from "./errors.js";
import type { Rng } from "./random.js";
import { type CropBox, randomResizedCropBox } from "./random-resized-crop.js";
import type { PreprocessSpec } from "./spec.js";

/**
 * Augmentation strengths; defaults are the torchvision ImageNet recipe named in the spec.
 * @example
 * const augment = TrainAugmentSchema.parse({ brightness: 0 }); // no brightness jitter, the rest default
 */
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

/**
 * The default augmentation (parsed once).
 * @example
 * await preprocessTrain(bytes, spec, rng, DEFAULT_TRAIN_AUGMENT);
 */
export const DEFAULT_TRAIN_AUGMENT: TrainAugment = TrainAugmentSchema.parse({});

function isRaw(input: ImageInput): input is RawImage {
  return !(input instanceof Uint8Array);
}

/**
 * The pixels the crop is taken from, and the box within them: raw input (the compiled cache) as is; a file is
 * decoded to the crop's region only (libvips stops decoding below it; the pixels equal the full decode's, and
 * Pillow crops before resizing too, so the result is the same), which measured 0.15–0.2 ms of CPU less per
 * 500×375 JPEG than decoding it whole, and half the bytes to hand to a worker.
 */
async function sourcePixels(input: ImageInput, spec: PreprocessSpec, box: CropBox) {
  if (isRaw(input) && input.channels === spec.inChannels) {
    if (box.left + box.width > input.width || box.top + box.height > input.height) throw tooSmall(input);
    return { raw: input, box };
  }
  const img = openImage(input, spec.maxPixels).extract({ ...box });
  const raw = await toRaw(toChannels(img, spec), spec.inChannels, input);
  if (raw.width !== box.width || raw.height !== box.height) throw tooSmall(raw);
  return { raw, box: { left: 0, top: 0, width: box.width, height: box.height } };
}

/** The box was drawn from the recorded size; the image no longer matches it. */
function tooSmall(img: ImageSize): ImageDecodeError {
  return new ImageDecodeError(
    "image_not_decodable",
    `image is ${img.width}x${img.height}, smaller than its recorded size`,
  );
}

/** Non-bilinear interpolation: sharp crops, resizes and flips; the kernel only passes the pixels through. */
async function sharpCrop(input: ImageInput, spec: PreprocessSpec, box: CropBox, flip: boolean) {
  let img = openImage(input, spec.maxPixels)
    .extract({ left: box.left, top: box.top, width: box.width, height: box.height })
    .resize(spec.size, spec.size, { fit: "fill", kernel: kernelFor(spec.interpolation) });
  if (flip) img = img.flop();
  const raw = await toRaw(toChannels(img, spec), spec.inChannels, input);
  return { raw, box: { left: 0, top: 0, width: spec.size, height: spec.size }, flip: false };
}

/**
 * Train preprocessing of one image to normalized float32 NHWC (`size² × inChannels`), written at `out[offset]`
 * when `out` is given. Pass `header` (the oriented size validation recorded, `Sample.width/height`) to skip
 * re-reading the image header; the crop box is drawn from it. With `pool` (and `out` from `allocBatch`) the
 * augment runs on a worker thread, same result. Throws ImageDecodeError / ImageTooLargeError.
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
  pool?: AugmentPool,
): Promise<Float32Array> {
  header ??= await readHeader(input, spec.maxPixels);
  const drawnBox = randomResizedCropBox(header.width, header.height, rng, augment.scale, augment.ratio);
  const drawnFlip = rng.next() < augment.hflip;
  const draw = drawJitter(rng, augment);
  const { raw, box, flip } =
    spec.interpolation === "bilinear"
      ? { ...(await sourcePixels(input, spec, drawnBox)), flip: drawnFlip }
      : await sharpCrop(input, spec, drawnBox, drawnFlip);
  const job: AugmentJob = {
    pixels: raw.data,
    width: raw.width,
    height: raw.height,
    channels: raw.channels,
    box,
    size: spec.size,
    flip,
    draw,
    mean: spec.mean,
    std: spec.std,
  };
  const dst = out ?? new Float32Array(spec.size * spec.size * spec.inChannels);
  const at = out ? offset : 0;
  if (pool) await pool.run(job, dst, at);
  else augmentInline(job, dst, at);
  return dst;
}
