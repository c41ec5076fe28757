/**
 * Turns queue message bodies into dataset upload events. Understands S3 event notifications (as S3 sends them to
 * SQS, and as moto does), the `s3:TestEvent` S3 sends when a notification is configured, and the local mode's own
 * `{ "type": "dataset.uploaded", … }` message. Everything else is malformed: the caller leaves such a message on
 * the queue so it reaches the dead-letter queue after maxReceiveCount.
 */
import { z } from "zod";
import { InvalidInputError } from "../errors.js";

/** Prefix under which uploads start jobs. */
export const DATASET_PREFIX = "datasets/";
/** Archive suffixes that start a job on their own. */
export const ARCHIVE_SUFFIXES = [".zip", ".tar", ".tar.gz", ".tgz"] as const;
/** A folder upload is complete when this marker lands beside the class folders. */
export const MARKER_FILE = "residual.json";

export interface DatasetEvent {
  bucket: string;
  /** Decoded object key (`datasets/flowers.zip`). */
  key: string;
  /** ETag without quotes, or "" when the event has none. */
  etag: string;
  versionId?: string;
  size?: number;
  eventTime?: string;
  kind: "archive" | "folder";
}

export type IgnoredReason = "test_event" | "not_object_created" | "outside_prefix" | "unsupported_suffix";

export interface ParsedMessage {
  events: DatasetEvent[];
  ignored: Array<{ key?: string; reason: IgnoredReason }>;
}

const s3Record = z.object({
  eventName: z.string(),
  eventTime: z.string().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
    }),
  }),
});
const s3Notification = z.object({ Records: z.array(s3Record).min(1) });
const testEvent = z.object({ Event: z.literal("s3:TestEvent") });
const localEvent = z.object({
  type: z.literal("dataset.uploaded"),
  bucket: z.string().min(1),
  key: z.string().min(1),
  etag: z.string().default(""),
});

/** S3 URL-encodes keys in events (`%2F`, and `+` for spaces). */
export function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    throw new InvalidInputError("bad_event_key", `object key in event is not valid URL encoding: ${key}`);
  }
}

/**
 * Which kind of dataset upload a key is, or why it does not start a job.
 * @example
 * classifyKey("datasets/flowers.zip"); // "archive"
 * classifyKey("datasets/pets/residual.json"); // "folder"
 */
export function classifyKey(key: string, prefix = DATASET_PREFIX): DatasetEvent["kind"] | IgnoredReason {
  if (!key.startsWith(prefix)) return "outside_prefix";
  const lower = key.toLowerCase();
  if (ARCHIVE_SUFFIXES.some((s) => lower.endsWith(s))) return "archive";
  const base = key.slice(key.lastIndexOf("/") + 1);
  if (base === MARKER_FILE && key.length > prefix.length + MARKER_FILE.length) return "folder";
  return "unsupported_suffix";
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new InvalidInputError("malformed_message", "queue message body is not JSON");
  }
}

/**
 * Parse one queue message body.
 * @throws InvalidInputError (`malformed_message`) when the body is not an event we understand.
 * @example
 * const { events } = parseDatasetMessage(msg.body);
 * for (const e of events) await claimJob(store, e);
 */
export function parseDatasetMessage(body: string, prefix = DATASET_PREFIX): ParsedMessage {
  const json = parseJson(body);
  if (testEvent.safeParse(json).success) return { events: [], ignored: [{ reason: "test_event" }] };
  const local = localEvent.safeParse(json);
  const records = local.success
    ? [
        {
          eventName: "ObjectCreated:Put",
          s3: {
            bucket: { name: local.data.bucket },
            object: { key: encodeURIComponent(local.data.key), eTag: local.data.etag },
          },
        },
      ]
    : s3Notification.safeParse(json).data?.Records;
  if (!records)
    throw new InvalidInputError(
      "malformed_message",
      "queue message is neither an S3 event notification nor a dataset event",
    );
  const out: ParsedMessage = { events: [], ignored: [] };
  for (const r of records) {
    const key = decodeEventKey(r.s3.object.key);
    if (!r.eventName.startsWith("ObjectCreated")) {
      out.ignored.push({ key, reason: "not_object_created" });
      continue;
    }
    const kind = classifyKey(key, prefix);
    if (kind !== "archive" && kind !== "folder") {
      out.ignored.push({ key, reason: kind });
      continue;
    }
    const ev: DatasetEvent = {
      bucket: r.s3.bucket.name,
      key,
      etag: (r.s3.object.eTag ?? "").replace(/"/g, ""),
      kind,
    };
    if (r.s3.object.versionId) ev.versionId = r.s3.object.versionId;
    if (r.s3.object.size !== undefined) ev.size = r.s3.object.size;
    if (r.eventTime) ev.eventTime = r.eventTime;
    out.events.push(ev);
  }
  return out;
}
