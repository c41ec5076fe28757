/** What one finished part records (`_parts/part-<id>.json`) and the manifest aggregates. */
import { z } from "zod";

/**
 * An input key that produced no output line, and why.
 * @example
 * const f: BulkFailure = { key: "images/broken.jpg", code: "image_truncated", reason: "image is truncated: …" };
 */
export interface BulkFailure {
  key: string;
  code: string;
  reason: string;
}

const FailureSchema = z.object({ key: z.string(), code: z.string(), reason: z.string() });

/**
 * A part's summary as stored.
 * @example
 * const s = PartSummarySchema.parse(JSON.parse(text));
 */
export const PartSummarySchema = z.object({
  part: z.string(),
  model: z.string(),
  version: z.string(),
  input: z.number().int().min(0),
  done: z.number().int().min(0),
  failed: z.array(FailureSchema),
});

/**
 * One part's counts and failures; `skipped` when a re-run found it finished.
 * @example
 * const { part, done, failed }: PartSummary = await runBulkBatch(items, options);
 */
export type PartSummary = z.infer<typeof PartSummarySchema> & { skipped?: boolean };
