/**
 * Where `residual start` keeps its bucket and queue: a directory on this machine (the default), or real S3 + SQS.
 * Decided in this one place from the flags and the environment, so the banner can say which and why.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Config, DEFAULT_LOCAL_HOME, loadConfig } from "../config/load-config.js";
import { InvalidInputError } from "../errors.js";

export interface ModeFlags {
  /** Local home directory (bucket root). @default $RESIDUAL_STORE when a directory, else "./.residual" */
  home?: string;
  aws?: boolean;
  /** Force the local mode even when AWS variables are set. */
  local?: boolean;
  bucket?: string;
  queueUrl?: string;
}

export type PipelineMode =
  | { kind: "local"; home: string; store: string; queueUrl: string; reason: string }
  | { kind: "aws"; store: string; bucket: string; queueUrl: string; reason: string };

/** The queue's folder inside the local bucket; a dot name, so it never shows under `datasets/` or `jobs/`. */
export const LOCAL_QUEUE_DIR = ".queue";

/** What the mode depends on in a process's configuration. */
type ModeConfig = Pick<Config<"local">, "store" | "local">;

function awsReason(flags: ModeFlags, config: ModeConfig): string | undefined {
  if (flags.aws) return "--aws";
  if (flags.bucket || flags.queueUrl) return flags.bucket ? "--bucket" : "--queue-url";
  const { bucket, queueUrl, awsCredentials } = config.local;
  // Credentials alone (a developer's shell) do not switch modes: only with a bucket or queue to use.
  if ((bucket || queueUrl) && awsCredentials) return `${awsCredentials} + RESIDUAL_*`;
  return undefined;
}

/**
 * Choose local or AWS. AWS needs both a bucket and a queue; a missing one is a clear error naming the flag.
 *
 * @example
 * resolveMode({}, loadConfig("local", {})).kind; // "local"
 * resolveMode({ bucket: "b", queueUrl: "http://localhost:5000/123/jobs" }, loadConfig("local", {})).kind; // "aws"
 */
export function resolveMode(flags: ModeFlags, config: ModeConfig = loadConfig("local")): PipelineMode {
  const reason = flags.local ? undefined : awsReason(flags, config);
  if (!reason) {
    // Same default as `residual upload --store`: the configured store when it is a directory, else ./.residual.
    const location = config.store.location;
    const envHome = location?.startsWith("s3://") ? undefined : location;
    const home = resolve(flags.home ?? (envHome || DEFAULT_LOCAL_HOME));
    const queueUrl = `${pathToFileURL(join(home, LOCAL_QUEUE_DIR)).href}`;
    return { kind: "local", home, store: home, queueUrl, reason: flags.local ? "--local" : "default" };
  }
  if (flags.home) {
    throw new InvalidInputError("invalid_options", "--home is for the local mode; drop it or drop --aws");
  }
  const bucket = flags.bucket ?? config.local.bucket;
  const queueUrl = flags.queueUrl ?? config.local.queueUrl;
  const missing = [
    ...(bucket ? [] : ["--bucket <name> (or RESIDUAL_BUCKET)"]),
    ...(queueUrl ? [] : ["--queue-url <url> (or RESIDUAL_QUEUE_URL)"]),
  ];
  if (missing.length > 0 || !bucket || !queueUrl) {
    throw new InvalidInputError(
      "missing_option",
      `AWS mode (${reason}) needs ${missing.join(" and ")}; or run with --local`,
    );
  }
  const store = bucket.startsWith("s3://") ? bucket : `s3://${bucket}`;
  return { kind: "aws", store, bucket: store.slice(5).split("/")[0]!, queueUrl, reason };
}
