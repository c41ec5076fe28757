/**
 * `residual demo`: synthetic shapes dataset → upload → fine-tuning job → `/v1/classify` + `/v1/embeddings` over
 * HTTP. `--out <path>` only writes the dataset (a folder, or an archive when the path ends in .tar.gz).
 */
import type { Command } from "commander";
import { loadConfig, storeLocation } from "../../config/load-config.js";
import { InvalidInputError, zodIssues } from "../../errors.js";
import { writeDatasetArchive, writeDatasetFolder } from "../../local/dataset-archive.js";
import {
  type DemoOptions,
  DemoOptionsSchema,
  type DemoResult,
  demoSpec,
  runDemo,
} from "../../local/run-demo.js";
import { shapesDatasetFiles } from "../../local/synthetic-shapes.js";

function summary(r: DemoResult): string {
  const acc = r.valTop1 === undefined ? "?" : `${(100 * r.valTop1).toFixed(1)}%`;
  const rows = r.probes.map(
    (p) =>
      `  ${p.truth.padEnd(16)} → ${p.predicted.padEnd(16)} ${(100 * p.score).toFixed(1)}%${p.truth === p.predicted ? "" : "  ✗"}`,
  );
  return [
    "",
    `model ${r.model}@${r.version}: validation top-1 ${acc}`,
    `  files: ${r.modelLocation}`,
    `POST ${r.apiUrl}/v1/classify on ${r.probes.length} new images: ${r.correct}/${r.probes.length} correct`,
    ...rows,
    `POST ${r.apiUrl}/v1/embeddings: ${r.embeddingCount} × ${r.embeddingDim}-d, first: [${r.embeddingPreview.map((x) => x.toFixed(4)).join(", ")}, …]`,
    r.startedPipeline
      ? "The demo ran the pipeline in-process; `npm start` keeps one running (then rerun the demo or upload your own data)."
      : `Try: curl ${r.apiUrl}/v1/models/${r.model}`,
  ].join("\n");
}

async function writeOnly(out: string, o: DemoOptions): Promise<void> {
  const files = await shapesDatasetFiles({ classes: o.classes, perClass: o.perClass, seed: o.seed });
  if (/\.(tar\.gz|tgz)$/.test(out)) await writeDatasetArchive(out, files, demoSpec(o));
  else await writeDatasetFolder(out, files, demoSpec(o));
  process.stdout.write(`wrote ${files.size} images and residual.json to ${out}\n`);
}

async function demo(raw: Record<string, unknown>): Promise<void> {
  const { json, out, timeout, ...rest } = raw;
  const config = loadConfig("local");
  const token = (raw.token as string | undefined) ?? config.serving.apiToken;
  const input = {
    ...rest,
    ...(token ? { token } : {}),
    store: storeLocation(config, raw.store as string | undefined),
    timeoutSeconds: timeout,
  };
  const parsed = DemoOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidInputError("invalid_options", "demo: invalid options", {
      issues: zodIssues(parsed.error),
    });
  }
  if (typeof out === "string") return writeOnly(out, parsed.data);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const result = await runDemo(parsed.data, log);
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${summary(result)}\n`);
}

export function register(program: Command): void {
  program
    .command("demo")
    .description(
      "generate a synthetic shapes dataset, upload it, wait for the model, then call /v1/classify and /v1/embeddings",
    )
    .option(
      "--url <url>",
      "API of a running `residual start` (started in-process when none answers)",
      "http://127.0.0.1:8080",
    )
    .option("--store <url>", "bucket that pipeline watches (default: $RESIDUAL_STORE or ./.residual)")
    .option("--token <t>", "bearer token of the API at --url (default $RESIDUAL_API_TOKEN)")
    .option("--name <name>", "dataset and model name", "demo-shapes")
    .option("--classes <n>", "number of classes (2-6)", "4")
    .option("--per-class <n>", "images per class", "40")
    .option("--epochs <n>", "training epochs", "4")
    .option("--batch-size <n>", "batch size", "16")
    .option("--arch <arch>", "architecture (small ones fit a CPU)", "cifar_resnet20")
    .option("--image-size <px>", "training image size", "32")
    .option("--seed <n>", "dataset seed (same seed, same dataset, same job)", "1")
    .option("--timeout <seconds>", "give up waiting for the job after this long", "900")
    .option("--out <path>", "only write the dataset here (folder, or .tar.gz archive) and exit")
    .option("--json", "print the result as one JSON object")
    .action((opts: Record<string, unknown>) => demo(opts));
}
