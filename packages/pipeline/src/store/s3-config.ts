/** The zod-validated configuration of S3ObjectStore (parsed at the edge, every problem reported at once). */
import { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { awsSettings } from "../config/load-config.js";
import { formatIssues, InvalidInputError, zodIssues } from "../errors.js";
import { assertValidPrefix } from "./keys.js";

const MiB = 1024 * 1024;

export const S3ObjectStoreConfigSchema = z.object({
  /** Bucket name (S3 rules: 3–63 lowercase letters, digits, dots, hyphens). */
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not a valid S3 bucket name"),
  /** Key prefix inside the bucket, without leading or trailing `/`. @default "" */
  prefix: z.string().default(""),
  /** @default the configured AWS region (AWS_REGION, AWS_DEFAULT_REGION), else "us-east-1" */
  region: z.string().min(1).optional(),
  /** Custom endpoint for local servers (moto, MinIO); implies forcePathStyle unless set. */
  endpoint: z.url().optional(),
  forcePathStyle: z.boolean().optional(),
  credentials: z
    .object({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string().optional() })
    .optional(),
  /** Attempts per request under the SDK's standard retry strategy (throttling, 5xx, network). @default 5 */
  maxAttempts: z.number().int().min(1).max(20).default(5),
  /** Bodies larger than this (and all streams) go through a multipart-capable upload. @default 8 MiB */
  multipartThreshold: z
    .number()
    .int()
    .min(5 * MiB)
    .default(8 * MiB),
  /** Part size of multipart uploads (S3 minimum 5 MiB). @default 8 MiB */
  partSize: z
    .number()
    .int()
    .min(5 * MiB)
    .default(8 * MiB),
  /** Parts uploaded in parallel. @default 4 */
  queueSize: z.number().int().min(1).max(64).default(4),
  /** An existing client to reuse (its own retry and endpoint settings apply). */
  client: z.instanceof(S3Client).optional(),
});

/**
 * The configuration of {@link S3ObjectStore} as a caller writes it (validated with every issue reported).
 * @example
 * const store = new S3ObjectStore({ bucket: "residual-data", prefix: "prod", maxAttempts: 3 });
 */
export type S3ObjectStoreConfig = z.input<typeof S3ObjectStoreConfigSchema>;
export type ResolvedS3Config = z.output<typeof S3ObjectStoreConfigSchema>;

/**
 * Validate `config`, normalise the prefix, and report every issue in one InvalidInputError (`invalid_config`).
 *
 * @example
 * parseS3Config({ bucket: "my-bucket", prefix: "/residual/" }).prefix; // "residual"
 */
export function parseS3Config(config: S3ObjectStoreConfig): ResolvedS3Config {
  const parsed = S3ObjectStoreConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    const text = formatIssues(issues);
    throw new InvalidInputError("invalid_config", `Invalid S3 object store config: ${text}`, { issues });
  }
  const prefix = parsed.data.prefix.replace(/^\/+|\/+$/g, "");
  assertValidPrefix(prefix);
  return { ...parsed.data, prefix };
}

/**
 * The S3 client a config describes: standard retry mode with `maxAttempts`, path-style addressing when a custom
 * endpoint is set (local servers do not resolve virtual-hosted bucket names).
 *
 * @example
 * const client = createS3Client(parseS3Config({ bucket: "b", endpoint: "http://127.0.0.1:5000" }));
 */
export function createS3Client(config: ResolvedS3Config): S3Client {
  if (config.client) return config.client;
  return new S3Client({
    region: config.region ?? awsSettings().region ?? "us-east-1",
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle ?? config.endpoint !== undefined,
    credentials: config.credentials,
    maxAttempts: config.maxAttempts,
    retryMode: "standard",
  });
}
