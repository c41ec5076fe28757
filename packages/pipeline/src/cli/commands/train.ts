/**
 * `residual train <dir|archive> [--arch … --epochs … --image-size … --batch-size … --out <dir>] [--json]`: the same
 * trainer as the queue worker, without any queue. The dataset is read where it is; checkpoints and the published
 * model go to the local store at `--out` (`jobs/<id>/checkpoints/`, `models/<name>/<version>/`).
 */
import { stat } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { initBackend } from "@residual/resnet";
import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import { completedFolderStore } from "../../dataset/completed-folder-store.js";
import { disposeDataset, loadDataset } from "../../dataset/load-dataset.js";
import { progressRenderer } from "../../local/training-progress.js";
import { LocalObjectStore } from "../../store/local-object-store.js";
import { datasetOptionsOf, type JobRequest, parseJobRequest } from "../../train/job-spec.js";
import { runTrainingJob } from "../../train/run-training-job.js";

interface TrainFlags {
  arch?: string;
  epochs?: number;
  imageSize?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: string;
  freeze?: number;
  pretrained?: string;
  name?: string;
  out: string;
  job?: string;
  augment: boolean;
  json?: boolean;
}

const int = (v: string) => (/^\d+$/.test(v) ? Number(v) : Number.NaN);

/** Spec fields given on the command line (they override residual.json). */
function overrides(f: TrainFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined) o[k] = v;
  };
  set("arch", f.arch);
  set("epochs", f.epochs);
  set("imageSize", f.imageSize);
  set("batchSize", f.batchSize);
  set("lr", f.lr);
  set("optimizer", f.optimizer);
  set("freeze", f.freeze);
  set("pretrained", f.pretrained);
  set("name", f.name);
  return o;
}

function modelName(path: string): string {
  const base = basename(path).replace(/\.(zip|tar|tar\.gz|tgz)$/i, "");
  return (
    base
      .replace(/[^a-z0-9._-]+/gi, "-")
      .replace(/^[^a-z0-9]+/i, "")
      .slice(0, 64) || "model"
  );
}

async function train(path: string, f: TrainFlags): Promise<void> {
  const given = overrides(f);
  parseJobRequest(given); // the flags alone: a typo fails here, before the dataset is read (or found missing)
  const abs = resolve(path);
  const isDir = (await stat(abs)).isDirectory();
  const key = isDir ? `${basename(abs)}/` : basename(abs);
  const local = new LocalObjectStore(dirname(abs));
  const input = isDir ? await completedFolderStore(local, key) : local;
  const out = new LocalObjectStore(resolve(f.out));
  const json = f.json === true || !process.stdout.isTTY;
  const config = loadConfig("worker");
  await initBackend({ ...config.backend, logger: (line) => process.stderr.write(`${line}\n`) });
  let request: JobRequest | undefined;
  // The flags override residual.json; parsed once, as soon as residual.json is read, before any image is checked.
  const limits =
    config.worker.maxExtractBytes !== undefined
      ? { maxUncompressedBytes: config.worker.maxExtractBytes }
      : {};
  const dataset = await loadDataset(input, key, limits, (fromFile) => {
    const raw = typeof fromFile === "object" && fromFile !== null ? fromFile : {};
    request = parseJobRequest({ name: modelName(path), ...raw, ...given });
    return datasetOptionsOf(request);
  });
  try {
    const result = await runTrainingJob({
      store: out,
      datasetStore: input,
      jobId: f.job ?? `local-${Date.now().toString(36)}`,
      dataset,
      jobRequest: request!,
      augment: f.augment,
      onProgress: progressRenderer(json ? process.stdout : process.stderr, !json),
    });
    const summary = {
      model: result.model,
      version: result.version,
      store: out.url,
      top1: result.metrics.val.top1,
    };
    if (json) process.stdout.write(`${JSON.stringify({ type: "result", ...summary })}\n`);
    else {
      const where = `${out.url}/models/${result.model}/${result.version}/`;
      process.stdout.write(
        `\ntrained ${result.model} ${result.version}: val top-1 ${(100 * summary.top1).toFixed(1)}% → ${where}\n`,
      );
    }
  } finally {
    await disposeDataset(dataset);
  }
}

/**
 * Registers `residual train`.
 * @example
 * register(program); // residual train ./flowers --arch resnet18 --epochs 5 --out ./out
 */
export function register(program: Command): void {
  program
    .command("train <path>")
    .description("fine-tune a ResNet on a dataset folder or archive, locally (no queue); publishes to --out")
    .option("--arch <arch>", "architecture (resnet18, resnet50, cifar_resnet20, …)")
    .option("--epochs <n>", "epochs", int)
    .option("--image-size <px>", "input size", int)
    .option("--batch-size <n>", "batch size", int)
    .option("--lr <x>", "base learning rate", Number)
    .option("--optimizer <sgd|adamw>", "optimizer")
    .option("--freeze <k>", "freeze the first k stages (the seed's freeze_layers)", int)
    .option(
      "--pretrained <from>",
      "start from backbones/<arch.tag>/, a published model (model:<name>[@version], in --out), or none",
    )
    .option("--name <name>", "model name (default: the dataset's name)")
    .option("--job <id>", "job id; reuse one to resume from its checkpoints")
    .option("--out <dir>", "local store for checkpoints and the model", ".residual")
    .option("--no-augment", "train on the eval transform only")
    .option("--json", "JSON lines (progress and result) on stdout")
    .action(async (path: string, flags: TrainFlags) => train(path, flags));
}
