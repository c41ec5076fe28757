/**
 * The API's dataset upload (`POST /v1/datasets`, the dashboard's upload): one archive in the request body becomes
 * `datasets/<name>.<ext>`, the same key `residual upload` writes, so the same watcher / S3 event starts the job.
 * The body is capped by the API's body limit; the bytes must be a zip, tar or gzip'd tar archive.
 */
import { InvalidInputError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { DATASET_PREFIX } from "./dataset-event.js";
import { datasetName, jobIdFor } from "./job-id.js";

/**
 * What an archive upload wrote and the job it starts.
 * @example
 * const { key, jobId }: ArchiveUploadResult = await uploadArchive(store, "shapes", bytes);
 */
export interface ArchiveUploadResult {
  key: string;
  bytes: number;
  /** The id the job of this upload gets (follow it at `/v1/jobs/{jobId}`). */
  jobId?: string;
}

/** The archive kind by magic bytes, or undefined. */
function archiveSuffix(bytes: Buffer): string | undefined {
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50) return ".zip";
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return ".tar.gz";
  if (bytes.length >= 262 && bytes.subarray(257, 262).toString("latin1") === "ustar") return ".tar";
  return undefined;
}

/**
 * The bucket name job ids are derived with: the S3 bucket, or `local` for a directory (what the watcher uses).
 * @example
 * storeBucket("s3://my-bucket/prefix"); // "my-bucket"
 */
export function storeBucket(storeUrl: string): string {
  return storeUrl.startsWith("s3://") ? new URL(storeUrl).host : "local";
}

/**
 * The id of the job an uploaded key starts (undefined when the object is not there).
 * @example
 * const jobId = await uploadedJobId(store, "datasets/shapes.zip");
 */
export async function uploadedJobId(store: ObjectStore, key: string): Promise<string | undefined> {
  const head = await store.head(key);
  if (!head) return undefined;
  const { etag, versionId } = head;
  return jobIdFor({ bucket: storeBucket(store.url), key, etag, ...(versionId ? { versionId } : {}) });
}

/**
 * Write one archive as `datasets/<name>.<ext>` (the extension from the bytes), which starts a job.
 * @throws InvalidInputError `invalid_dataset_name` (no usable name), `empty_body`, `unsupported_archive`.
 * @example
 * const { key, jobId } = await uploadArchive(store, "shapes", await readFile("shapes.zip"));
 */
export async function uploadArchive(
  store: ObjectStore,
  name: string | undefined,
  bytes: Buffer,
): Promise<ArchiveUploadResult> {
  if (!name || !/[a-z0-9]/i.test(name))
    throw new InvalidInputError("invalid_dataset_name", "give the dataset a name: ?name=<name>");
  if (bytes.length === 0) throw new InvalidInputError("empty_body", "the request body holds no archive");
  const suffix = archiveSuffix(bytes);
  if (!suffix)
    throw new InvalidInputError(
      "unsupported_archive",
      "the body is not a dataset archive: send a .zip, .tar, .tar.gz or .tgz file",
    );
  const key = `${DATASET_PREFIX}${datasetName(`${DATASET_PREFIX}${name}${suffix}`)}${suffix}`;
  await store.put(key, bytes, { contentType: "application/octet-stream" });
  const jobId = await uploadedJobId(store, key);
  return { key, bytes: bytes.length, ...(jobId ? { jobId } : {}) };
}
