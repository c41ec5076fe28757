/**
 * Where the CLI's bucket is: `--store <url>`, else `RESIDUAL_STORE`, else `s3://$RESIDUAL_BUCKET` (the AWS
 * containers), else the local directory `./.residual` (the embedded default).
 */
import type { Command } from "commander";
import type { ObjectStore } from "../store/object-store.js";
import { openObjectStore } from "../store/open-object-store.js";

export const DEFAULT_LOCAL_HOME = ".residual";

export function storeLocation(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return flag;
  if (env.RESIDUAL_STORE) return env.RESIDUAL_STORE;
  if (env.RESIDUAL_BUCKET) return `s3://${env.RESIDUAL_BUCKET}`;
  return DEFAULT_LOCAL_HOME;
}

/** Adds `--store <url>` to a command. */
export function withStoreOption(cmd: Command): Command {
  return cmd.option(
    "--store <url>",
    "bucket: s3://bucket[/prefix] or a directory (default: $RESIDUAL_STORE, s3://$RESIDUAL_BUCKET, ./.residual)",
  );
}

export function openCliStore(flag?: string): ObjectStore {
  return openObjectStore(storeLocation(flag));
}
