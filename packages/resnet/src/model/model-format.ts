import { z } from "zod";
import { ARCH_NAMES, STAGE_NAMES } from "../types.js";

/**
 * `modelTopology.format` of a saved ResNet; anything else is a foreign model.
 * @example
 * (artifacts.modelTopology as { format?: string }).format === MODEL_FORMAT;
 */
export const MODEL_FORMAT = "residual-resnet";
/**
 * The version of {@link MODEL_FORMAT} this package writes.
 * @example
 * const topology = { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, config, frozen: [] };
 */
export const MODEL_FORMAT_VERSION = 1;

const positiveInt = z.number().int().positive();

/** A serialised {@link ResNetConfig}, checked field by field at the file boundary. */
export const resnetConfigSchema = z.object({
  arch: z.enum(ARCH_NAMES),
  block: z.enum(["basic", "bottleneck"]),
  layers: z.array(positiveInt).min(3).max(4),
  planes: z.array(positiveInt).min(3).max(4),
  numClasses: positiveInt,
  inChannels: positiveInt,
  groups: positiveInt,
  widthPerGroup: positiveInt,
  norm: z.enum(["batch", "group"]),
  normGroups: positiveInt,
  zeroInitResidual: z.boolean(),
  cifarStem: z.boolean(),
  bnEps: z.number().positive(),
  bnMomentum: z.number().min(0).max(1),
});

/** `modelTopology` of a saved ResNet: `{ format, version, config, frozen }`. */
export const resnetTopologySchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(MODEL_FORMAT_VERSION),
  config: resnetConfigSchema,
  frozen: z.array(z.enum(STAGE_NAMES)),
});

export type ResNetTopology = z.infer<typeof resnetTopologySchema>;
