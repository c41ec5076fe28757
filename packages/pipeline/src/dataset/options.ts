/**
 * Dataset limits and split options, parsed with zod at the edge (job specs pass them through).
 */
import { z } from "zod";
import { InvalidInputError } from "../errors.js";

export const DatasetOptionsSchema = z
  .object({
    /** Images whose shorter side is below this are skipped (`too_small`). */
    minSide: z.number().int().min(1).default(16),
    /** Pixel-count guard against decompression bombs (sharp `limitInputPixels`). */
    maxPixels: z.number().int().positive().default(100_000_000),
    /** A class with fewer valid images than this fails the dataset. */
    minImagesPerClass: z.number().int().min(1).default(2),
    /** Validation share when no `val/` split is given. */
    valFraction: z.number().min(0).max(0.9).default(0.2),
    seed: z.number().int().default(0),
    /** Archive guards. */
    maxEntries: z.number().int().positive().default(200_000),
    maxUncompressedBytes: z
      .number()
      .int()
      .positive()
      .default(20 * 1024 ** 3),
    /** Inflated bytes allowed per archive byte (archives under 64 MiB ÷ ratio may still inflate to 64 MiB). */
    maxCompressionRatio: z.number().positive().default(100),
    /** Max Hamming distance (of 64 dHash bits) for a train/val pair to be reported as a near duplicate. */
    duplicateDistance: z.number().int().min(0).max(16).default(3),
    /** Concurrent reads/decodes during validation. */
    concurrency: z.number().int().min(1).max(256).default(8),
    /** Where archives are extracted; a fresh temp dir by default. */
    workDir: z.string().optional(),
  })
  .strict();

/**
 * Dataset options as a caller writes them (every field optional; {@link resolveDatasetOptions} fills defaults).
 * @example
 * const options: DatasetOptionsInput = { minSide: 32, valFraction: 0.1, seed: 7 };
 */
export type DatasetOptionsInput = z.input<typeof DatasetOptionsSchema>;
export type DatasetOptions = z.infer<typeof DatasetOptionsSchema>;

/**
 * Parses dataset options, reporting every problem at once.
 *
 * @example
 * const opts = resolveDatasetOptions({ minSide: 32, seed: 7 });
 */
export function resolveDatasetOptions(input: unknown = {}): DatasetOptions {
  const r = DatasetOptionsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === "number" ? p : String(p))),
    code: i.code,
    message: i.message,
  }));
  throw new InvalidInputError(
    "invalid_dataset_options",
    `invalid dataset options: ${issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    { issues },
  );
}
