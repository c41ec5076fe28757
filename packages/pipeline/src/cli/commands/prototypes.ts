/**
 * `residual prototypes create <dir> --name <n> [--backbone <arch.tag> | --from <model>]`: a prototype model from a
 * folder of class subfolders (no training job), and `residual prototypes add <model> <class> <images…>`: a new
 * version with the class added or its examples appended. Both print the published version.
 */
import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../config/load-config.js";
import { InvalidInputError } from "../../errors.js";
import { addPrototypeExamples, createPrototypeModel } from "../../prototypes/prototype-model.js";
import type { PublishedModel } from "../../registry/publish-model.js";
import { openCliStore, withStoreOption } from "../store-option.js";

const IMAGE = new Set([".jpg", ".jpeg", ".png", ".webp"]);

interface CreateOpts {
  name: string;
  backbone?: string;
  from?: string;
  store?: string;
}

/** `{ class: [image bytes…] }` from `<dir>/<class>/<image>`. */
async function classFolders(dir: string): Promise<Record<string, Buffer[]>> {
  const out: Record<string, Buffer[]> = {};
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const files = (await readdir(join(dir, entry.name)))
      .filter((f) => IMAGE.has(extname(f).toLowerCase()))
      .sort();
    if (files.length > 0)
      out[entry.name] = await Promise.all(files.map((f) => readFile(join(dir, entry.name, f))));
  }
  if (Object.keys(out).length === 0) {
    throw new InvalidInputError(
      "invalid_dataset",
      `${dir} has no class folders with images (<dir>/<class>/<image>)`,
    );
  }
  return out;
}

function printPublished(p: PublishedModel): void {
  process.stdout.write(`${JSON.stringify({ model: p.name, version: p.version, prefix: p.prefix })}\n`);
}

async function create(dir: string, o: CreateOpts): Promise<void> {
  const store = openCliStore(o.store, loadConfig("api"));
  const examples = await classFolders(dir);
  printPublished(
    await createPrototypeModel(store, {
      name: o.name,
      examples,
      ...(o.backbone ? { backbone: o.backbone } : {}),
      ...(o.from ? { from: o.from } : {}),
    }),
  );
}

async function add(model: string, label: string, images: string[], o: { store?: string }): Promise<void> {
  const store = openCliStore(o.store, loadConfig("api"));
  const bytes = await Promise.all(images.map((f) => readFile(f)));
  printPublished(await addPrototypeExamples(store, model, label, bytes));
}

/**
 * Register `prototypes create` and `prototypes add`.
 * @example
 * // residual prototypes create ./pets --name pets --backbone resnet50.tv2_in1k
 * register(program);
 */
export function register(program: Command): void {
  const prototypes = program
    .command("prototypes")
    .description("class prototypes on embeddings: new classes without training");
  withStoreOption(
    prototypes.command("create <dir>").description("a prototype model from <dir>/<class>/<images>"),
  )
    .requiredOption("--name <name>", "model name")
    .option("--backbone <arch.tag>", "embed with this backbone (default resnet50's)")
    .option("--from <model>", "embed with a published model's features (name[@version])")
    .action((dir: string, o: CreateOpts) => create(dir, o));
  withStoreOption(
    prototypes
      .command("add <model> <class> <images...>")
      .description("a new version with the class added or appended"),
  ).action((model: string, label: string, images: string[], o: { store?: string }) =>
    add(model, label, images, o),
  );
}
