/**
 * `residual weights import <file> --arch <arch> [--num-classes N] [--reset-head] --out <dir>` and
 * `residual weights fetch <arch.tag> --out <dir> [--num-classes N] [--reset-head] [--base-url URL]`:
 * torchvision/timm safetensors → a saved model directory loadable by `loadResNet`.
 * With `--store <url>` (and `--tag` for import) the model also lands in the bucket as the backbone
 * `backbones/<arch.tag>/`, which the embedding API uses when a request names no model. `fetch --store` alone is
 * `seedBackbones` (what `cdk deploy` runs): a backbone already there is skipped unless `--force`.
 * `residual weights promote <model[@version]> --store <url> [--tag <arch.tag>]` makes a published model's weights
 * the backbone `backbones/<arch.tag>/` (default tag `<arch>.<name>`).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ARCH_NAMES,
  createResNet,
  type DownloadProgress,
  fetchWeights,
  importTorchWeights,
  initBackend,
  isArchName,
  parseSafetensors,
} from "@residual/resnet";
import type { Command } from "commander";
import { z } from "zod";
import { loadConfig } from "../../config/load-config.js";
import { formatIssues, InvalidInputError, zodIssues } from "../../errors.js";
import { promoteToBackbone } from "../../registry/promote-backbone.js";
import { putBackboneDir, seedBackbones } from "../../registry/seed-backbones.js";
import { translateError } from "../../translate-error.js";
import { openCliStore } from "../store-option.js";

const common = {
  out: z.string().min(1).optional(),
  store: z.string().min(1).optional(),
  numClasses: z.coerce.number().int().positive().optional(),
  resetHead: z.boolean().default(false),
  json: z.boolean().default(false),
};

/** The one result line of both subcommands: text, or JSON with `--json`. */
function printSaved(json: boolean, info: Record<string, string | number | boolean>, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(info)}\n` : `residual: saved ${text}\n`);
}

const ImportOptionsSchema = z.object({
  ...common,
  arch: z.string().min(1),
  tag: z.string().min(1).optional(),
});
const FetchOptionsSchema = z.object({
  ...common,
  baseUrl: z.url().optional(),
  force: z.boolean().default(false),
});
const PromoteOptionsSchema = z.object({ store: z.string().min(1), tag: z.string().min(1).optional() });

/** Where the model directory is written: `--out`, or a temp dir when only `--store` is given. */
async function outputDir(o: { out?: string; store?: string }): Promise<{ dir: string; temp: boolean }> {
  if (o.out) return { dir: o.out, temp: false };
  if (!o.store)
    throw new InvalidInputError(
      "missing_option",
      "give --out <dir>, or --store <url> to put the model in the bucket",
    );
  return { dir: await mkdtemp(join(tmpdir(), "residual-weights-")), temp: true };
}

/** Put a saved model directory into the bucket as backbone `tag` (see `putBackboneDir`); returns its URL. */
async function putBackbone(storeUrl: string, tag: string, dir: string): Promise<string> {
  const store = openCliStore(storeUrl, loadConfig("worker"));
  return `${store.url}/${await putBackboneDir(store, tag, dir)}`;
}

function parse<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // One line per problem (formatCliError lists the issues), never zod's JSON dump.
    const issues = zodIssues(parsed.error).map((i) => ({
      ...i,
      path: i.path.map((p) => (p === "numClasses" ? "--num-classes" : p)),
    }));
    throw new InvalidInputError("invalid_options", `${what}: ${formatIssues(issues)}`);
  }
  return parsed.data;
}

/** The checkpoint's class count, from the header alone; undefined for a bad file (the import reports it). */
function checkpointClasses(bytes: Uint8Array): number | undefined {
  try {
    const fc = parseSafetensors(bytes).entries.get("fc.weight");
    return fc?.shape.length === 2 ? fc.shape[0] : undefined;
  } catch {
    return undefined;
  }
}

async function importFile(file: string, raw: unknown): Promise<void> {
  const o = parse(ImportOptionsSchema, raw, "weights import");
  if (!isArchName(o.arch)) {
    throw new InvalidInputError(
      "unknown_arch",
      `unknown architecture '${o.arch}'; one of ${ARCH_NAMES.join(", ")}`,
    );
  }
  await initBackend({ ...loadConfig("worker").backend, logger: () => undefined });
  const bytes = await readFile(file).catch((cause: unknown) => {
    throw new InvalidInputError("file_not_readable", `cannot read ${file}: ${String(cause)}`, { cause });
  });
  try {
    const model = createResNet(o.arch, { numClasses: o.numClasses ?? checkpointClasses(bytes) });
    try {
      const report = await importTorchWeights(model, bytes, { resetHead: o.resetHead, what: file });
      const out = await outputDir(o);
      try {
        await model.save(out.dir);
        const where = o.store ? await putBackbone(o.store, o.tag ?? `${o.arch}.custom`, out.dir) : out.dir;
        const info = {
          saved: where,
          arch: o.arch,
          tensors: report.loaded.length,
          numClasses: model.config.numClasses,
          headReset: report.headReset,
        };
        printSaved(
          o.json,
          info,
          `${where} (${o.arch}, ${info.tensors} tensors, ${info.numClasses} classes${report.headReset ? ", new head" : ""})`,
        );
      } finally {
        if (out.temp) await rm(out.dir, { recursive: true, force: true });
      }
    } finally {
      model.dispose();
    }
  } catch (err) {
    throw translateError(err);
  }
}

/** One stderr line per 10% (or per 8 MiB when the size is unknown): readable in logs as well as terminals. */
function progressPrinter(): (p: DownloadProgress) => void {
  let last = -1;
  return (p) => {
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    const step = p.total ? Math.floor((10 * p.received) / p.total) : Math.floor(p.received / 2 ** 23);
    if (step === last) return;
    last = step;
    const of = p.total ? ` / ${mb(p.total)} MiB (${Math.round((100 * p.received) / p.total)}%)` : " MiB";
    process.stderr.write(`residual: downloading ${p.url}: ${mb(p.received)}${of}\n`);
  };
}

async function fetchTag(archTag: string, raw: unknown): Promise<void> {
  const o = parse(FetchOptionsSchema, raw, "weights fetch");
  const config = loadConfig("worker");
  const baseUrl = o.baseUrl ?? config.worker.weightsBaseUrl;
  // Only the bucket, with the weights' own head: the deploy-time seeding's path (skips a backbone already there).
  if (o.store && !o.out && o.numClasses === undefined && !o.resetHead) {
    const store = openCliStore(o.store, config);
    const [r] = await seedBackbones(store, [archTag], {
      baseUrl,
      force: o.force,
      backend: config.backend,
      onProgress: progressPrinter(),
    });
    if (!r) return;
    const where = `${store.url}/${r.prefix}`;
    if (r.status === "skipped") {
      const info = { saved: where, archTag: r.tag, skipped: true };
      if (o.json) printSaved(true, info, where);
      else process.stdout.write(`residual: ${where} already holds ${r.tag} (--force fetches it again)\n`);
      return;
    }
    const info = { saved: where, archTag: r.tag, bytes: r.bytes, sha256: r.sha256 };
    printSaved(o.json, info, `${where} (${r.tag}, ${r.bytes} bytes, sha256 ${r.sha256})`);
    return;
  }
  await initBackend({ ...config.backend, logger: () => undefined });
  const out = await outputDir(o);
  try {
    const r = await fetchWeights(archTag, out.dir, {
      baseUrl,
      numClasses: o.numClasses,
      resetHead: o.resetHead,
      onProgress: progressPrinter(),
    });
    const where = o.store ? await putBackbone(o.store, r.entry.archTag, out.dir) : r.dir;
    const info = { saved: where, archTag: r.entry.archTag, bytes: r.bytes, sha256: r.sha256 };
    printSaved(o.json, info, `${where} (${r.entry.archTag}, ${r.bytes} bytes, sha256 ${r.sha256})`);
  } catch (err) {
    throw translateError(err);
  } finally {
    if (out.temp) await rm(out.dir, { recursive: true, force: true });
  }
}

async function promote(ref: string, raw: unknown): Promise<void> {
  const o = parse(PromoteOptionsSchema, raw, "weights promote");
  const store = openCliStore(o.store, loadConfig("worker"));
  const r = await promoteToBackbone(store, ref, o.tag);
  process.stdout.write(
    `residual: promoted ${r.from.name}@${r.from.version} to ${store.url}/${r.prefix} (backbone ${r.tag}, ${r.files.length} files)\n`,
  );
}

/**
 * Register `weights import`, `weights fetch` and `weights promote`.
 * @example
 * // residual weights fetch resnet50.tv2_in1k --out backbones/resnet50.tv2_in1k
 * register(program);
 */
export function register(program: Command): void {
  const weights = program.command("weights").description("import and download pretrained weights");
  weights
    .command("import <file>")
    .description("convert a torchvision/timm .safetensors state dict into a saved model directory")
    .requiredOption("--arch <arch>", `architecture (${ARCH_NAMES.join(", ")})`)
    .option("--out <dir>", "output model directory")
    .option(
      "--store <url>",
      "also put it in this bucket as backbone backbones/<--tag>/ (s3://… or a directory)",
    )
    .option("--tag <arch.tag>", "backbone name with --store (default <arch>.custom)")
    .option("--num-classes <n>", "classes of the head (default: the checkpoint's)")
    .option("--reset-head", "start a fresh head instead of the checkpoint's")
    .option("--json", "print {saved, arch, tensors, numClasses, headReset} as JSON")
    .action((file: string, opts: unknown) => importFile(file, opts));
  weights
    .command("fetch <archTag>")
    .description("download pretrained weights (e.g. resnet50.tv2_in1k) into a saved model directory")
    .option("--out <dir>", "output model directory")
    .option(
      "--store <url>",
      "also put it in this bucket as backbone backbones/<archTag>/ (s3://… or a directory)",
    )
    .option("--num-classes <n>", "classes of the head (default: the weights')")
    .option("--reset-head", "start a fresh head instead of the pretrained one")
    .option("--base-url <url>", "mirror instead of $RESIDUAL_WEIGHTS_BASE_URL / Hugging Face")
    .option("--force", "with --store alone: fetch again although backbones/<archTag>/model.json exists")
    .option("--json", "print {saved, archTag, bytes, sha256} (or {saved, archTag, skipped}) as JSON")
    .action((archTag: string, opts: unknown) => fetchTag(archTag, opts));
  weights
    .command("promote <model>")
    .description("make a published model (name[@version]) a backbone, backbones/<arch.tag>/, for embeddings")
    .requiredOption("--store <url>", "the bucket holding the model (s3://… or a directory)")
    .option("--tag <arch.tag>", "backbone name (default <arch>.<model name>)")
    .action((ref: string, opts: unknown) => promote(ref, opts));
}
