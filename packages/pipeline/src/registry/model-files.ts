/**
 * Schemas of the small JSON files in a model version directory (`models/<name>/<version>/`). Parsed with zod
 * wherever they are read or published, so a malformed file is reported once, with every issue. `preprocess.json`
 * is the preprocessing module's own schema (one definition shared by training and serving).
 */
import { z } from "zod";
import { InvalidInputError, StoredModelError, zodIssues } from "../errors.js";
import { PreprocessSpecSchema } from "../preprocess/spec.js";
import { PrototypesSchema } from "../prototypes/prototype-files.js";
import { NeighboursIndexSchema } from "./neighbour-files.js";

/** `labels.json`: class names in logit order. */
export const LabelsSchema = z.array(z.string()).min(1);

/** `centroids.json`: per-class L2-normalised embedding centroids; farther than `threshold` from all → unknown. */
export const CentroidsSchema = z.object({
  labels: z.array(z.string()).min(1),
  centroids: z.array(z.array(z.number())).min(1),
  /** Cosine distance (1 − cos) above which an embedding is `unknown`. */
  threshold: z.number().nonnegative(),
});
export type Centroids = z.infer<typeof CentroidsSchema>;

/** `calibration.json`: softmax temperature and the max-softmax score under which a prediction is `unknown`. */
export const CalibrationSchema = z.object({
  temperature: z.number().positive().default(1),
  threshold: z.number().min(0).max(1).optional(),
  /** Per label, the calibrated score that maximised the label's validation F1 (applied to the top-1 label). */
  labelThresholds: z.record(z.string(), z.number().min(0).max(1)).optional(),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

/** Files that publishModel validates when present, by name. */
export const VALIDATED_FILES: Record<string, z.ZodType> = {
  "labels.json": LabelsSchema,
  "preprocess.json": PreprocessSpecSchema,
  "centroids.json": CentroidsSchema,
  "calibration.json": CalibrationSchema,
  "prototypes.json": PrototypesSchema,
  "neighbours.json": NeighboursIndexSchema,
};

/**
 * A model file read back from the bucket: as {@link parseModelFile}, but a bad one is the bucket's fault
 * (StoredModelError `invalid_model_file`, 500), not the caller's.
 * @example
 * const labels = parseStoredModelFile("labels.json", await store.get(key), LabelsSchema);
 */
export function parseStoredModelFile<T>(
  file: string,
  bytes: Buffer | Uint8Array | string,
  schema: z.ZodType<T>,
): T {
  try {
    return parseModelFile(file, bytes, schema);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    throw new StoredModelError(err.code, err.message, {
      cause: err,
      ...(err.issues ? { issues: err.issues } : {}),
    });
  }
}

/**
 * Parse JSON bytes with a schema; InvalidInputError `invalid_model_file` naming the file and every issue.
 * @example
 * const spec = parseModelFile("preprocess.json", bytes, PreprocessSpecSchema);
 */
export function parseModelFile<T>(
  file: string,
  bytes: Buffer | Uint8Array | string,
  schema: z.ZodType<T>,
): T {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw new InvalidInputError(
      "invalid_model_file",
      `${file} is not valid JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidInputError("invalid_model_file", `${file} does not match its schema`, {
      issues: zodIssues(parsed.error),
    });
  }
  return parsed.data;
}
