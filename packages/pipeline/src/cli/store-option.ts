/**
 * Where the CLI's bucket is: `--store <url>`, else the process's configuration (`RESIDUAL_STORE`, then
 * `s3://$RESIDUAL_BUCKET`: the AWS containers), else the local directory `./.residual` (the embedded default).
 */
import type { Command } from "commander";
import { type AwsSettings, storeLocation } from "../config/load-config.js";
import type { ObjectStore } from "../store/object-store.js";
import { openObjectStore } from "../store/open-object-store.js";

/**
 * Adds `--store <url>` to a command.
 * @example
 * withStoreOption(program.command("jobs")).action((o) => list(o.store));
 */
export function withStoreOption(cmd: Command): Command {
  return cmd.option(
    "--store <url>",
    "bucket: s3://bucket[/prefix] or a directory (default: $RESIDUAL_STORE, s3://$RESIDUAL_BUCKET, ./.residual)",
  );
}

/**
 * The store of a command: its `--store` flag, else the configured one.
 * @example
 * const store = openCliStore(flags.store, loadConfig("api"));
 */
export function openCliStore(
  flag: string | undefined,
  config: { store: { location?: string }; aws: AwsSettings },
): ObjectStore {
  return openObjectStore(storeLocation(config, flag), {
    ...(config.aws.s3Endpoint ? { endpoint: config.aws.s3Endpoint } : {}),
    ...(config.aws.region ? { region: config.aws.region } : {}),
  });
}
