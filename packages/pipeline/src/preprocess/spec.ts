/**
 * The preprocessing spec shared by training and serving (written as `preprocess.json` next to a model).
 * Parsed with zod at every edge; {@link resolvePreprocessSpec} fills the defaults torchvision uses.
 */
import { IMAGENET_MEAN, IMAGENET_STD } from "@residual/resnet/registry";
import { z } from "zod";
import { InvalidInputError } from "../errors.js";

/** Grey-image equivalents (the channel means of the RGB values), used when `inChannels` is 1. */
const GREY_MEAN = [0.449] as const;
const GREY_STD = [0.226] as const;

export const InterpolationSchema = z.enum(["bilinear", "bicubic", "nearest", "lanczos"]);
export type Interpolation = z.infer<typeof InterpolationSchema>;

/** The user-facing shape (every field optional). */
export const PreprocessSpecSchema = z
  .object({
    /** Square output side (CenterCrop / RandomResizedCrop size). */
    size: z.number().int().min(8).max(2048).default(224),
    /** Shorter side before the eval center crop; default `floor(size * 256 / 224)` (256 for 224). */
    resize: z.number().int().min(8).max(4096).optional(),
    mean: z.array(z.number()).min(1).max(3).optional(),
    std: z.array(z.number().positive()).min(1).max(3).optional(),
    interpolation: InterpolationSchema.default("bilinear"),
    /** 3 = RGB (grey images are replicated), 1 = luminance. */
    inChannels: z.union([z.literal(1), z.literal(3)]).default(3),
    /** Transparent pixels are flattened onto this colour before anything else. */
    background: z.enum(["black", "white"]).default("black"),
    /** Pixel-count guard against decompression bombs (sharp `limitInputPixels`). */
    maxPixels: z.number().int().positive().default(100_000_000),
  })
  .strict();

export type PreprocessSpecInput = z.input<typeof PreprocessSpecSchema>;

/**
 * A fully resolved spec: every field present and consistent.
 * @example
 * const spec: PreprocessSpec = resolvePreprocessSpec({ size: 224 }); // resize 256, ImageNet mean/std
 */
export interface PreprocessSpec {
  size: number;
  resize: number;
  mean: number[];
  std: number[];
  interpolation: Interpolation;
  inChannels: 1 | 3;
  background: "black" | "white";
  maxPixels: number;
}

/**
 * Validates a spec (e.g. a parsed `preprocess.json`) and fills the defaults; every problem is reported at once.
 *
 * @example
 * const spec = resolvePreprocessSpec({ size: 224 }); // resize 256, ImageNet mean/std, bilinear, RGB
 */
export function resolvePreprocessSpec(input: unknown = {}): PreprocessSpec {
  const parsed = PreprocessSpecSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === "number" ? p : String(p))),
      code: i.code,
      message: i.message,
    }));
    throw new InvalidInputError(
      "invalid_preprocess_spec",
      `invalid preprocess spec: ${issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      { issues },
    );
  }
  const s = parsed.data;
  const grey = s.inChannels === 1;
  const mean = s.mean ?? [...(grey ? GREY_MEAN : IMAGENET_MEAN)];
  const std = s.std ?? [...(grey ? GREY_STD : IMAGENET_STD)];
  const resize = s.resize ?? Math.floor((s.size * 256) / 224);
  const problems: string[] = [];
  if (mean.length !== s.inChannels)
    problems.push(`mean has ${mean.length} values, inChannels is ${s.inChannels}`);
  if (std.length !== s.inChannels)
    problems.push(`std has ${std.length} values, inChannels is ${s.inChannels}`);
  if (resize < s.size) problems.push(`resize (${resize}) must be >= size (${s.size})`);
  if (problems.length > 0) {
    throw new InvalidInputError("invalid_preprocess_spec", `invalid preprocess spec: ${problems.join("; ")}`);
  }
  return { ...s, mean, std, resize };
}
