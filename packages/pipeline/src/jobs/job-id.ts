import { createHash } from "node:crypto";
import type { DatasetEvent } from "./dataset-event.js";

/**
 * The dataset name a job's model is published under by default: the archive's base name without suffix, or the
 * folder holding `residual.json`, slugged to the registry's name rules.
 * @example
 * datasetName("datasets/Flowers 2024.tar.gz"); // "flowers-2024"
 */
export function datasetName(key: string): string {
  const parts = key.split("/").filter(Boolean);
  const last = parts.at(-1) ?? "dataset";
  const raw =
    last === "residual.json" ? (parts.at(-2) ?? "dataset") : last.replace(/\.(zip|tar\.gz|tgz|tar)$/i, "");
  const slug = raw
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .slice(0, 48)
    .replace(/[-.]+$/, "");
  return slug || "dataset";
}

/**
 * A job id derived from what was uploaded (bucket, key and ETag or version), so every delivery of the same
 * upload's event names the same job: SQS is at-least-once, and the id is what makes a duplicate harmless.
 * @example jobIdFor({ bucket: "b", key: "datasets/flowers.zip", etag: "abc", kind: "archive" }) // "flowers-1f3c…"
 */
export function jobIdFor(event: Pick<DatasetEvent, "bucket" | "key" | "etag" | "versionId">): string {
  const h = createHash("sha256")
    .update(`${event.bucket}\0${event.key}\0${event.versionId ?? event.etag}`)
    .digest("hex")
    .slice(0, 16);
  return `${datasetName(event.key)}-${h}`;
}
