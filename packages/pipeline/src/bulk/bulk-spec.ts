/**
 * What a bulk run is (zod at the edge): the run spec every batch carries (the Distributed Map's `BatchInput`), and
 * the ItemBatcher's event shape `{ Items: [{ Key, Size?, … }], BatchInput }` that the batch Lambda receives.
 */
import { z } from "zod";
import { formatIssues, InvalidInputError, zodIssues } from "../errors.js";

/**
 * One bulk run: embed or classify every image of `source` (item keys are relative to it) with `model`, parts and
 * manifest under `out`.
 * @example
 * const spec = parseBulkSpec({ mode: "embed", model: "flowers", source: "s3://b", out: "s3://b/bulk/r1" });
 */
export const BulkSpecSchema = z
  .object({
    mode: z.enum(["embed", "classify"]),
    /** name[@version]; "" or absent: the backbone. */
    model: z.string().max(200).optional(),
    /** Store location the item keys are read from: `s3://bucket` or a directory. */
    source: z.string().min(1),
    /** Store location of the run's output (parts, `_parts/` summaries, `_SUCCESS`). */
    out: z.string().min(1),
    /** The prefix the run lists (recorded in the manifest). */
    prefix: z.string().default(""),
    normalize: z.boolean().default(true),
    topK: z.number().int().min(1).max(1000).default(5),
    /** Part files: JSON Lines (`part-<id>.jsonl`) or Parquet (`part-<id>.parquet`, same columns). */
    format: z.enum(["jsonl", "parquet"]).default("jsonl"),
    /**
     * How the items' keys are written: `none` (a listing, a plain CSV) or `url` (an S3 Inventory CSV, whose keys
     * are URL-encoded); `url` keys are decoded before they are read and reported.
     */
    keyEncoding: z.enum(["none", "url"]).default("none"),
  })
  .strict();

/**
 * A parsed bulk run spec.
 * @example
 * const spec: BulkSpec = parseBulkSpec(event.BatchInput);
 */
export type BulkSpec = z.output<typeof BulkSpecSchema>;

/** An item of the map: S3ObjectsItemReader gives `{ Key, Size, Etag, … }`, a CSV/inventory manifest `{ Key, … }`. */
const ItemSchema = z.looseObject({ Key: z.string().min(1), Size: z.coerce.number().optional() });

/**
 * The ItemBatcher's input to one child execution.
 * @example
 * const batch = parseBulkBatchEvent({ Items: [{ Key: "images/a.jpg", Size: 1234 }], BatchInput: spec });
 */
export const BulkBatchEventSchema = z.object({
  Items: z.array(ItemSchema).min(1),
  BatchInput: BulkSpecSchema,
});

/**
 * A parsed batch event.
 * @example
 * const { Items, BatchInput }: BulkBatchEvent = parseBulkBatchEvent(event);
 */
export type BulkBatchEvent = z.output<typeof BulkBatchEventSchema>;

function parseWith<T>(schema: z.ZodType<T>, what: string, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error);
  throw new InvalidInputError("invalid_bulk_input", `invalid ${what}: ${formatIssues(issues)}`, { issues });
}

/**
 * Parse a run spec (the CLI's options, a state machine's input).
 * @throws InvalidInputError `invalid_bulk_input` naming every bad field.
 * @example
 * parseBulkSpec({ mode: "embed", source: "./images", out: "./out" }).normalize; // true
 */
export function parseBulkSpec(input: unknown): BulkSpec {
  return parseWith(BulkSpecSchema, "bulk spec", input);
}

/**
 * Parse the batch Lambda's event (the ItemBatcher's `{ Items, BatchInput }`).
 * @throws InvalidInputError `invalid_bulk_input` naming every bad field.
 * @example
 * const { Items, BatchInput } = parseBulkBatchEvent(event);
 */
export function parseBulkBatchEvent(input: unknown): BulkBatchEvent {
  return parseWith(BulkBatchEventSchema, "bulk batch event", input);
}
