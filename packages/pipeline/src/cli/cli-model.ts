/**
 * What `--model` names, for every command that takes one (`classify`, `embed`, `infer`): `name[@version]` in
 * the command's store, or a directory the user has — a store written by `residual train --out <dir>` (its one
 * model, or `<dir>/models/<name>`), or one version directory `<dir>/models/<name>/<version>/`.
 */
import { stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import type { AwsSettings } from "../config/load-config.js";
import { InvalidInputError, NotFoundError } from "../errors.js";
import { listModels, resolveModel } from "../registry/read-model.js";
import { LocalObjectStore } from "../store/local-object-store.js";
import type { ObjectStore } from "../store/object-store.js";
import { openCliStore } from "./store-option.js";

/**
 * A model as the CLI found it: the store to serve from, the registry ref in it (none: the backbone), and the
 * store's directory when it is local.
 * @example
 * const { store, ref } = await resolveCliModel("./out", undefined, loadConfig("api"));
 */
export interface CliModel {
  store: ObjectStore;
  ref?: string;
  localRoot?: string;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** A store directory (it has `models/`): its only model, or an error naming the choices. */
async function storeDir(root: string): Promise<CliModel> {
  const store = new LocalObjectStore(root);
  const models = await listModels(store);
  if (models.length === 1) return { store, ref: models[0]!.name, localRoot: root };
  if (models.length === 0) {
    throw new NotFoundError("model_not_found", `no published model under ${root}/models/`);
  }
  throw new InvalidInputError(
    "ambiguous_model",
    `${root} holds ${models.length} models (${models.map((m) => m.name).join(", ")}): pass --model ${join(root, "models", models[0]!.name)} or --store ${root} --model <name>`,
  );
}

/** `<root>/models/<name>[/<version>]` → the store at `<root>` and `name[@version]`. */
function registryPath(dir: string, version: boolean): CliModel | undefined {
  const name = basename(version ? dirname(dir) : dir);
  const models = version ? dirname(dirname(dir)) : dirname(dir);
  if (basename(models) !== "models") return undefined;
  const root = dirname(models);
  const ref = version ? `${name}@${basename(dir)}` : name;
  return { store: new LocalObjectStore(root), ref, localRoot: root };
}

async function fromDirectory(dir: string): Promise<CliModel> {
  if (await isDir(join(dir, "models"))) return storeDir(dir);
  if (await isFile(join(dir, "latest"))) {
    const found = registryPath(dir, false);
    if (found) return found;
  }
  if ((await isFile(join(dir, "model.onnx"))) || (await isFile(join(dir, "model.json")))) {
    const found = registryPath(dir, true);
    if (found) return found;
  }
  throw new InvalidInputError(
    "not_a_model_directory",
    `${dir} is not a model: give a store written by residual train --out, <store>/models/<name>, or <store>/models/<name>/<version>`,
  );
}

/**
 * The model and store a command's `--model` / `--store` flags name. A directory `--model` brings its own
 * store, so it cannot be combined with `--store`.
 * @example
 * await resolveCliModel("flowers@v3", "s3://bucket", config); // { store: s3://bucket, ref: "flowers@v3" }
 * await resolveCliModel("./out", undefined, config); // { store: ./out, ref: "flowers", localRoot: "/abs/out" }
 */
export async function resolveCliModel(
  model: string | undefined,
  storeFlag: string | undefined,
  config: { store: { location?: string }; aws: AwsSettings },
): Promise<CliModel> {
  const path = model ? resolve(model) : undefined;
  if (model && path && (await isDir(path))) {
    if (storeFlag) {
      throw new InvalidInputError(
        "invalid_options",
        `--model ${model} is a directory (it is its own store): drop --store ${storeFlag}`,
      );
    }
    return fromDirectory(path);
  }
  if (model && /[/\\]/.test(model)) {
    throw new NotFoundError(
      "model_not_found",
      `--model ${model}: no such directory, and not a name[@version]`,
    );
  }
  const store = openCliStore(storeFlag, config);
  const localRoot = store instanceof LocalObjectStore ? store.rootDir : undefined;
  return { store, ...(model ? { ref: model } : {}), ...(localRoot ? { localRoot } : {}) };
}

/**
 * The local directory of the model `--model` names, for commands that load a saved model from disk (`infer`,
 * `export`): a directory holding `model.json` as it is, else a `name[@version]` / `train --out` store resolved
 * to its version folder.
 * @example
 * await cliModelDirectory("./out", undefined, loadConfig("worker")); // "/abs/out/models/shades/2026…"
 */
export async function cliModelDirectory(
  model: string,
  storeFlag: string | undefined,
  config: { store: { location?: string }; aws: AwsSettings },
): Promise<string> {
  const path = resolve(model);
  if (await isFile(join(path, "model.json"))) return path;
  const found = await resolveCliModel(model, storeFlag, config);
  if (!found.localRoot || !found.ref) {
    throw new InvalidInputError(
      "invalid_options",
      `--model ${model}: give a model directory or a model in a local --store`,
    );
  }
  const resolved = await resolveModel(found.store, found.ref);
  if (!resolved.hasTfjs) {
    throw new NotFoundError("model_not_found", `${found.ref} has no model.json under ${found.localRoot}`);
  }
  return join(found.localRoot, resolved.prefix);
}

/**
 * Adds the saved-model `--model` (required) and its `--store` to a command that loads a model from disk.
 * @example
 * withSavedModelOptions(program.command("infer")).requiredOption("--input <file>", "input .npy");
 */
export function withSavedModelOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      "--model <model>",
      "saved model directory, a directory written by `residual train --out`, or name[@version] in --store",
    )
    .option(
      "--store <url>",
      "local store of a name[@version] --model (default: $RESIDUAL_STORE, ./.residual)",
    );
}
