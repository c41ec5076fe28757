/**
 * Prototype models in the registry: `createPrototypeModel` embeds labelled examples with a backbone or a published
 * model and publishes `models/<name>/<version>/` (the embedding network's `model.onnx` + `preprocess.json`,
 * `prototypes.json`, `labels.json`); `addPrototypeExamples` publishes a new version with a class added or examples
 * appended. No training job: the versions before stay as they were.
 */
import { InvalidInputError } from "../errors.js";
import { parseModelFile } from "../registry/model-files.js";
import { type PublishedModel, publishModel } from "../registry/publish-model.js";
import { type ResolvedModel, resolveModel } from "../registry/read-model.js";
import { resolveBackbone } from "../registry/resolve-backbone.js";
import { ServingCore } from "../serving/serving-core.js";
import type { ObjectStore } from "../store/object-store.js";
import { computePrototypes } from "./compute-prototypes.js";
import { type Prototypes, PrototypesSchema } from "./prototype-files.js";

/** Images embedded per engine run. */
const EMBED_BATCH = 16;

/**
 * What a prototype model is built from: labelled image bytes and one source of features.
 * @example
 * const o: CreatePrototypesOptions = { name: "pets", backbone: "resnet50.tv2_in1k", examples: { cat: [jpeg] } };
 */
export interface CreatePrototypesOptions {
  name: string;
  /** A backbone `arch.tag` (default: the serving default) … */
  backbone?: string;
  /** … or a published model `name[@version]` whose features to use. */
  from?: string;
  examples: Record<string, Buffer[]>;
  version?: string;
}

async function embedAll(store: ObjectStore, ref: ResolvedModel, images: Buffer[]): Promise<number[][]> {
  const backbone = ref.prefix.startsWith("backbones/");
  const core = new ServingCore({ store, ortThread: "main", ...(backbone ? { backbone: ref.name } : {}) });
  try {
    const out: number[][] = [];
    for (let i = 0; i < images.length; i += EMBED_BATCH) {
      const batch = images.slice(i, i + EMBED_BATCH).map((bytes) => ({ bytes }));
      const model = backbone ? undefined : `${ref.name}@${ref.version}`;
      const r = await core.embed({ ...(model ? { model } : {}), images: batch, normalize: true, topK: 1 });
      out.push(...r.embeddings);
    }
    return out;
  } finally {
    await core.close();
  }
}

async function embedExamples(store: ObjectStore, ref: ResolvedModel, examples: Record<string, Buffer[]>) {
  const out: Record<string, number[][]> = {};
  for (const [label, images] of Object.entries(examples)) {
    if (images.length === 0) throw new InvalidInputError("invalid_dataset", `class "${label}" has no images`);
    out[label] = await embedAll(store, ref, images);
  }
  return out;
}

async function publishPrototypes(
  store: ObjectStore,
  name: string,
  network: ResolvedModel,
  p: Prototypes,
  version?: string,
): Promise<PublishedModel> {
  if (!network.hasOnnx) {
    throw new InvalidInputError("model_not_servable", `${network.prefix} has no model.onnx to embed with`);
  }
  const files: Record<string, Buffer | string> = {
    "model.onnx": await store.get(`${network.prefix}model.onnx`),
    "prototypes.json": JSON.stringify(p),
    "labels.json": JSON.stringify(p.labels),
  };
  if (await store.head(`${network.prefix}preprocess.json`)) {
    files["preprocess.json"] = await store.get(`${network.prefix}preprocess.json`);
  }
  return publishModel(store, { name, files, ...(version ? { version } : {}) });
}

/**
 * Embed the examples, fit prototypes and publish them as a model version.
 * @example
 * const { version } = await createPrototypeModel(store, { name: "pets", examples: { cat: [a, b], dog: [c, d] } });
 */
export async function createPrototypeModel(
  store: ObjectStore,
  o: CreatePrototypesOptions,
): Promise<PublishedModel> {
  if (o.backbone && o.from)
    throw new InvalidInputError("invalid_options", "give --backbone or --from, not both");
  const network = o.from
    ? await resolveModel(store, o.from)
    : await resolveBackbone(store, o.backbone ?? "resnet50");
  const source = o.from ? `model:${network.name}@${network.version}` : `backbone:${network.name}`;
  const p = computePrototypes(await embedExamples(store, network, o.examples), source);
  return publishPrototypes(store, o.name, network, p, o.version);
}

/**
 * Publish a new version of prototype model `ref` (`name[@version]`) with `label`'s examples appended (a new class
 * when it had none). The version it started from is left as it was.
 * @example
 * await addPrototypeExamples(store, "pets", "fox", [f1, f2, f3, f4, f5]);
 */
export async function addPrototypeExamples(
  store: ObjectStore,
  ref: string,
  label: string,
  images: Buffer[],
): Promise<PublishedModel> {
  const current = await resolveModel(store, ref);
  const key = `${current.prefix}prototypes.json`;
  if (!(await store.head(key))) {
    throw new InvalidInputError(
      "not_a_prototype_model",
      `${current.name}@${current.version} is not a prototype model`,
    );
  }
  const p = parseModelFile("prototypes.json", await store.get(key), PrototypesSchema);
  const added = await embedExamples(store, current, { [label]: images });
  const examples = { ...p.examples, [label]: [...(p.examples[label] ?? []), ...added[label]!] };
  return publishPrototypes(store, current.name, current, computePrototypes(examples, p.source));
}
