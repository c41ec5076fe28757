/**
 * Where `residual start` keeps its bucket and queue: a directory on this machine (the default), or real S3 + SQS.
 * Decided in this one place from the flags and the environment, so the banner can say which and why.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
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
export const DEFAULT_HOME = ".residual";

function awsReason(flags: ModeFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.aws) return "--aws";
  if (flags.bucket || flags.queueUrl) return flags.bucket ? "--bucket" : "--queue-url";
  const configured = env.RESIDUAL_BUCKET || env.RESIDUAL_QUEUE_URL;
  const credentials = env.AWS_ENDPOINT_URL || env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE;
  // Credentials alone (a developer's shell) do not switch modes: only with a bucket or queue to use.
  if (configured && credentials)
    return env.AWS_ENDPOINT_URL ? "AWS_ENDPOINT_URL + RESIDUAL_*" : "AWS credentials + RESIDUAL_*";
  return undefined;
}

/**
 * Choose local or AWS. AWS needs both a bucket and a queue; a missing one is a clear error naming the flag.
 *
 * @example
 * resolveMode({}, {}).kind; // "local"
 * resolveMode({ bucket: "b", queueUrl: "http://localhost:5000/123/jobs" }, {}).kind; // "aws"
 */
export function resolveMode(flags: ModeFlags, env: NodeJS.ProcessEnv = process.env): PipelineMode {
  const reason = flags.local ? undefined : awsReason(flags, env);
  if (!reason) {
    // Same default as `residual upload --store`: $RESIDUAL_STORE when it is a directory, else ./.residual.
    const envHome = env.RESIDUAL_STORE?.startsWith("s3://") ? undefined : env.RESIDUAL_STORE;
    const home = resolve(flags.home ?? (envHome || DEFAULT_HOME));
    const queueUrl = `${pathToFileURL(join(home, LOCAL_QUEUE_DIR)).href}`;
    return { kind: "local", home, store: home, queueUrl, reason: flags.local ? "--local" : "default" };
  }
  if (flags.home) {
    throw new InvalidInputError("invalid_options", "--home is for the local mode; drop it or drop --aws");
  }
  const bucket = flags.bucket ?? env.RESIDUAL_BUCKET;
  const queueUrl = flags.queueUrl ?? env.RESIDUAL_QUEUE_URL;
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
