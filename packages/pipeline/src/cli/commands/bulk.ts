/**
 * `residual bulk embed|classify <s3://bucket/prefix|dir> --model <name[@version]> --out <s3://…|dir>`: every image
 * under the input (or every key a `--manifest` CSV / S3 Inventory names), one part per batch (JSON Lines, or
 * Parquet with `--format parquet`) and a `_SUCCESS` manifest under `--out`. With a state machine
 * (`--state-machine`, `$RESIDUAL_BULK_STATE_MACHINE`) and an s3:// input it starts a Step Functions execution and
 * follows it; otherwise it runs the same batch function in this process. Progress on stderr (a bar on a TTY), the
 * manifest's counts on stdout.
 */
import { SFNClient } from "@aws-sdk/client-sfn";
import type { Command } from "commander";
import { z } from "zod";
import { MANIFEST_KEY } from "../../bulk/bulk-keys.js";
import { bulkSource } from "../../bulk/bulk-location.js";
import type { BulkManifest } from "../../bulk/bulk-manifest.js";
import { type BulkSpec, parseBulkSpec } from "../../bulk/bulk-spec.js";
import { runBulkLocal } from "../../bulk/run-bulk-local.js";
import { startBulkExecution } from "../../bulk/start-bulk-execution.js";
import { loadConfig, servingCoreOptions } from "../../config/load-config.js";
import { InvalidInputError, ResidualError } from "../../errors.js";
import { progressBar } from "../../local/progress-bar.js";
import { ServingCore } from "../../serving/serving-core.js";
import { openCliStore, withStoreOption } from "../store-option.js";

const Opts = z.object({
  store: z.string().optional(),
  model: z.string().min(1),
  out: z.string().min(1),
  stateMachine: z.string().optional(),
  manifest: z.string().optional(),
  itemsPerBatch: z.coerce.number().int().min(1).max(10_000).default(64),
  concurrency: z.coerce.number().int().min(1).max(64).default(2),
  topK: z.coerce.number().int().min(1).max(1000).default(5),
  normalize: z.boolean().default(true),
  format: z.enum(["jsonl", "parquet"]).default("jsonl"),
  pollSeconds: z.coerce.number().min(0.05).max(300).default(5),
});
type Opts = z.infer<typeof Opts>;
type Config = ReturnType<typeof loadConfig<"api">>;

function progress(label: string): (p: { images: number; total: number }) => void {
  const tty = process.stderr.isTTY === true;
  return (p) => {
    const line = progressBar({ label, step: p.images, steps: p.total });
    process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
}

async function runHere(spec: BulkSpec, o: Opts, config: Config): Promise<BulkManifest> {
  const core = new ServingCore({ store: openCliStore(o.store, config), ...servingCoreOptions(config) });
  try {
    return await runBulkLocal(spec, {
      core,
      source: openCliStore(spec.source, config),
      out: openCliStore(spec.out, config),
      ...(o.manifest ? { manifestKey: o.manifest } : {}),
      itemsPerBatch: o.itemsPerBatch,
      concurrency: o.concurrency,
      onProgress: progress(`bulk ${spec.mode}`),
    });
  } finally {
    await core.close();
  }
}

async function runOnAws(
  spec: BulkSpec,
  o: Opts,
  arn: string,
  config: Config,
): Promise<BulkManifest & { executionArn: string }> {
  if (!spec.out.startsWith("s3://")) {
    throw new InvalidInputError("invalid_options", "bulk: with a state machine, --out must be s3://…");
  }
  const { sfnEndpoint, region } = config.aws;
  const client = new SFNClient({
    ...(sfnEndpoint ? { endpoint: sfnEndpoint } : {}),
    ...(region ? { region } : {}),
  });
  let executionArn: string;
  try {
    ({ executionArn } = await startBulkExecution(spec, {
      stateMachineArn: arn,
      client,
      pollMs: o.pollSeconds * 1000,
      ...(o.manifest ? { manifestKey: o.manifest } : {}),
      onStarted: (a) => process.stderr.write(`bulk ${spec.mode}: execution ${a}\n`),
      onProgress: progress(`bulk ${spec.mode}`),
    }));
  } finally {
    client.destroy();
    // The bar redraws one line on a TTY: end it before the next message (success or the error).
    if (process.stderr.isTTY) process.stderr.write("\n");
  }
  process.stderr.write(`bulk ${spec.mode}: execution ${executionArn} succeeded\n`);
  const out = openCliStore(spec.out, config);
  if (!(await out.head(MANIFEST_KEY))) {
    throw new ResidualError(
      "bulk_manifest_missing",
      `bulk: execution ${executionArn} succeeded but wrote no ${MANIFEST_KEY} under ${spec.out}`,
    );
  }
  const manifest = JSON.parse((await out.get(MANIFEST_KEY)).toString("utf8")) as BulkManifest;
  return { ...manifest, executionArn };
}

async function run(mode: BulkSpec["mode"], input: string, raw: unknown): Promise<void> {
  const parsed = Opts.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError("invalid_options", `bulk: ${parsed.error.message}`);
  const o = parsed.data;
  const config = loadConfig("api");
  const { source, prefix } = bulkSource(input);
  const spec = parseBulkSpec({
    mode,
    model: o.model,
    source,
    prefix,
    out: o.out,
    normalize: o.normalize,
    topK: o.topK,
    format: o.format,
  });
  const arn = o.stateMachine ?? config.serving.bulkStateMachine;
  if (o.stateMachine && !input.startsWith("s3://")) {
    throw new InvalidInputError("invalid_options", "bulk: --state-machine needs an s3:// input");
  }
  const onAws = arn !== undefined && input.startsWith("s3://");
  const m = onAws ? await runOnAws(spec, o, arn, config) : await runHere(spec, o, config);
  if (!onAws && process.stderr.isTTY) process.stderr.write("\n");
  const summary = {
    out: m.out,
    model: m.model,
    version: m.version,
    parts: m.parts.length,
    counts: m.counts,
    failures: m.failures,
    ...("executionArn" in m ? { executionArn: m.executionArn } : {}),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

export function register(program: Command): void {
  const bulk = program
    .command("bulk")
    .description("embed or classify every image under a prefix or directory");
  for (const mode of ["embed", "classify"] as const) {
    withStoreOption(
      bulk
        .command(`${mode} <input>`)
        .description(`${mode} every image under s3://bucket/prefix or a directory`),
    )
      .requiredOption("--model <ref>", "name[@version]")
      .requiredOption(
        "--out <location>",
        "where parts and the _SUCCESS manifest go: s3://bucket/prefix or a directory",
      )
      .option(
        "--state-machine <arn>",
        "run on Step Functions (default $RESIDUAL_BULK_STATE_MACHINE; s3:// input only)",
      )
      .option(
        "--manifest <key>",
        "read the keys from a CSV (Key column) or an S3 Inventory manifest.json (key in the input's bucket or directory) instead of listing",
      )
      .option("--items-per-batch <n>", "images per batch (one part each) in-process", "64")
      .option("--concurrency <n>", "batches in flight in-process", "2")
      .option("--top-k <k>", "classify: predictions per image", "5")
      .option("--no-normalize", "embed: raw (not L2-normalised) features")
      .option("--format <format>", "part files: jsonl, or parquet (same columns)", "jsonl")
      .option("--poll-seconds <s>", "with a state machine: seconds between status checks", "5")
      .action((input: string, raw: unknown) => run(mode, input, raw));
  }
}
