/**
 * Promote a published model to a backbone: its version directory's model files copied to `backbones/<arch.tag>/`,
 * so `/v1/embeddings` (and jobs with `pretrained: "<arch.tag>"`) can use the features this pipeline trained.
 */
import { z } from "zod";
import { InvalidInputError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { backbonePrefix } from "./keys.js";
import { validateModelName } from "./model-ref.js";
import { resolveModel } from "./read-model.js";

/** What a backbone needs of a model version; `model.json` is copied last so readers see the backbone whole. */
const COPIED = /^(model\.onnx|preprocess\.json|labels\.json|[^/]+\.bin|model\.json)$/;

const TopologySchema = z.object({ modelTopology: z.object({ config: z.object({ arch: z.string() }) }) });

/**
 * What was promoted where.
 * @example
 * const { tag, prefix }: PromotedBackbone = await promoteToBackbone(store, "flowers");
 */
export interface PromotedBackbone {
  tag: string;
  prefix: string;
  from: { name: string; version: string };
  files: string[];
}

async function archOf(store: ObjectStore, prefix: string): Promise<string> {
  const key = `${prefix}model.json`;
  if (!(await store.head(key))) {
    throw new InvalidInputError(
      "missing_option",
      `${prefix} has no model.json to read the arch from: give a tag`,
    );
  }
  const parsed = TopologySchema.safeParse(JSON.parse((await store.get(key)).toString("utf8")));
  if (!parsed.success) throw new InvalidInputError("invalid_model_file", `${key} names no architecture`);
  return parsed.data.modelTopology.config.arch;
}

/**
 * Copy `ref`'s (`name[@version]`) model files to `backbones/<tag>/`; `tag` defaults to `<arch>.<name>` (characters
 * other than letters, digits and `_` in the name become `_`).
 *
 * @example
 * await promoteToBackbone(store, "flowers@20251127T162135123Z-3f9a"); // backbones/resnet18.flowers/
 */
export async function promoteToBackbone(
  store: ObjectStore,
  ref: string,
  tag?: string,
): Promise<PromotedBackbone> {
  const model = await resolveModel(store, ref);
  const name = tag ?? `${await archOf(store, model.prefix)}.${model.name.replace(/[^a-z0-9_]/gi, "_")}`;
  if (!/^[a-z0-9_]+\.[a-z0-9_]+$/i.test(name)) {
    throw new InvalidInputError("invalid_model_name", `backbone tag "${name}" must be 'arch.tag'`);
  }
  const prefix = backbonePrefix(validateModelName(name));
  const files: string[] = [];
  for await (const o of store.list(model.prefix)) {
    const file = o.key.slice(model.prefix.length);
    if (COPIED.test(file)) files.push(file);
  }
  files.sort((a, b) => Number(a === "model.json") - Number(b === "model.json"));
  for (const f of files) await store.put(`${prefix}${f}`, await store.get(`${model.prefix}${f}`));
  return { tag: name, prefix, from: { name: model.name, version: model.version }, files };
}
