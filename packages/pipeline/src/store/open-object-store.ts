/**
 * The one place that chooses an ObjectStore implementation from a location string, so the CLI, the worker and the
 * API all agree: `s3://bucket/prefix` → S3ObjectStore, `file:///dir` or a plain path → LocalObjectStore.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { awsSettings } from "../config/load-config.js";
import { InvalidInputError } from "../errors.js";
import { LocalObjectStore } from "./local-object-store.js";
import type { ObjectStore } from "./object-store.js";
import type { S3ObjectStoreConfig } from "./s3-config.js";
import { S3ObjectStore } from "./s3-object-store.js";
import { parseS3Url } from "./s3-url.js";

const OpenOptionsSchema = z.object({
  /** S3 endpoint; defaults to `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL` from `env`. */
  endpoint: z.url().optional(),
  region: z.string().min(1).optional(),
  credentials: z
    .object({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string().optional() })
    .optional(),
  maxAttempts: z.number().int().min(1).max(20).optional(),
  /** Environment the AWS defaults are parsed from (`config/load-config.ts`). @default process.env */
  env: z.record(z.string(), z.string().optional()).optional(),
});

/**
 * Options of {@link openObjectStore}: S3 endpoint, region, credentials, retries, and the environment defaults.
 * @example
 * openObjectStore("s3://bkt", { endpoint: "http://127.0.0.1:5000", region: "us-east-1" });
 */
export type OpenObjectStoreOptions = z.input<typeof OpenOptionsSchema>;

/**
 * Open the object store at `location`.
 *
 * @example
 * const store = openObjectStore("s3://residual-data/prod"); // S3, endpoint from AWS_ENDPOINT_URL_S3 if set
 * const local = openObjectStore("./.residual/bucket"); // a directory
 */
export function openObjectStore(location: string, opts: OpenObjectStoreOptions = {}): ObjectStore {
  const parsed = OpenOptionsSchema.safeParse(opts);
  if (!parsed.success) {
    throw new InvalidInputError("invalid_config", `Invalid object store options: ${parsed.error.message}`);
  }
  const o = parsed.data;
  if (location.startsWith("s3://")) {
    const { bucket, prefix } = parseS3Url(location);
    const aws = o.endpoint && o.region ? {} : awsSettings(o.env);
    const endpoint = o.endpoint ?? aws.s3Endpoint;
    const config: S3ObjectStoreConfig = {
      bucket,
      prefix,
      endpoint,
      forcePathStyle: endpoint !== undefined,
      region: o.region ?? aws.region,
      credentials: o.credentials,
    };
    if (o.maxAttempts !== undefined) config.maxAttempts = o.maxAttempts;
    return new S3ObjectStore(config);
  }
  if (location.startsWith("file:")) {
    let path: string;
    try {
      path = fileURLToPath(location);
    } catch (err) {
      throw new InvalidInputError(
        "invalid_location",
        `Not a valid file:// URL: ${JSON.stringify(location)}.`,
        {
          cause: err,
        },
      );
    }
    return new LocalObjectStore(path);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) || location === "") {
    throw new InvalidInputError(
      "invalid_location",
      `Unsupported object store location ${JSON.stringify(location)}: use s3://bucket/prefix, file:///dir or a path.`,
    );
  }
  return new LocalObjectStore(isAbsolute(location) ? location : resolve(location));
}
