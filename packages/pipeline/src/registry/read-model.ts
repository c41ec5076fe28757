/**
 * Read side of the registry: resolve `name[@version]`, list models, describe one. Absent things are
 * NotFoundError with codes `model_not_found` / `version_not_found`.
 */
import { NotFoundError } from "../errors.js";
import type { ObjectInfo, ObjectStore } from "../store/object-store.js";
import { latestKey, MODELS_PREFIX, modelPrefix } from "./keys.js";
import { LabelsSchema, parseStoredModelFile } from "./model-files.js";
import { parseModelRef, validateModelName } from "./model-ref.js";

/**
 * A model version found in the store, with what its artefacts are (so loading it needs no second look).
 * @example
 * const { prefix, onnx } = await resolveModel(store, "flowers@20251127T162135123Z-3f9a");
 */
export interface ResolvedModel {
  name: string;
  version: string;
  /** Key prefix of the version directory, ending in `/`. */
  prefix: string;
  /** Which model artefacts exist there. */
  hasOnnx: boolean;
  hasTfjs: boolean;
  /** `model.onnx`'s description (size, ETag), when it exists. */
  onnx?: ObjectInfo;
}

/**
 * Look at a version directory's artefacts once: undefined when it holds no model.
 * @example
 * const found = await modelArtifactsAt(store, "backbones/resnet50.tv2_in1k/");
 */
export async function modelArtifactsAt(
  store: ObjectStore,
  prefix: string,
): Promise<Pick<ResolvedModel, "hasOnnx" | "hasTfjs" | "onnx"> | undefined> {
  const [onnx, tfjs] = await Promise.all([
    store.head(`${prefix}model.onnx`),
    store.head(`${prefix}model.json`),
  ]);
  if (!onnx && !tfjs) return undefined;
  return { hasOnnx: !!onnx, hasTfjs: !!tfjs, ...(onnx ? { onnx } : {}) };
}

export interface ModelSummaryEntry {
  name: string;
  latest: string;
}

export interface ModelDescription {
  name: string;
  latest: string;
  /** All versions, oldest first (version ids sort by time). */
  versions: string[];
  labels?: string[];
  metrics?: unknown;
  preprocess?: unknown;
}

async function readText(store: ObjectStore, key: string): Promise<string | undefined> {
  if (!(await store.head(key))) return undefined;
  return (await store.get(key)).toString("utf8").trim();
}

/**
 * Resolve `name` (via `models/<name>/latest`) or `name@version` to a version directory that holds a model.
 * @example
 * const m = await resolveModel(store, "flowers"); // { name, version, prefix: "models/flowers/…/", hasOnnx, hasTfjs }
 */
export async function resolveModel(store: ObjectStore, ref: string): Promise<ResolvedModel> {
  const parsed = parseModelRef(ref);
  const version = parsed.version ?? (await readText(store, latestKey(parsed.name)));
  if (!version) throw new NotFoundError("model_not_found", `model "${parsed.name}" does not exist`);
  const prefix = modelPrefix(parsed.name, version);
  const artifacts = await modelArtifactsAt(store, prefix);
  if (!artifacts) {
    throw new NotFoundError("version_not_found", `model "${parsed.name}" has no version "${version}"`);
  }
  return { name: parsed.name, version, prefix, ...artifacts };
}

/**
 * Every published model (those with a `latest` pointer), sorted by name.
 * @example
 * for (const { name, latest } of await listModels(store)) console.log(name, latest);
 */
export async function listModels(store: ObjectStore): Promise<ModelSummaryEntry[]> {
  const out: ModelSummaryEntry[] = [];
  for await (const obj of store.list(MODELS_PREFIX)) {
    const parts = obj.key.slice(MODELS_PREFIX.length).split("/");
    if (parts.length !== 2 || parts[1] !== "latest") continue;
    const latest = await readText(store, obj.key);
    if (latest) out.push({ name: parts[0] as string, latest });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function readJson(store: ObjectStore, key: string): Promise<unknown> {
  const text = await readText(store, key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // A broken metrics file must not hide the model from `describe`.
    return undefined;
  }
}

/**
 * A model's versions plus the labels, metrics and preprocessing of its latest version.
 * @example
 * const d = await describeModel(store, "flowers"); // { name, latest, versions: [...], labels, metrics, preprocess }
 */
export async function describeModel(store: ObjectStore, name: string): Promise<ModelDescription> {
  validateModelName(name);
  const latest = await readText(store, latestKey(name));
  if (!latest) throw new NotFoundError("model_not_found", `model "${name}" does not exist`);
  const versions = new Set<string>();
  for await (const obj of store.list(`${MODELS_PREFIX}${name}/`)) {
    const parts = obj.key.slice(MODELS_PREFIX.length + name.length + 1).split("/");
    if (parts.length >= 2 && (parts[1] === "model.onnx" || parts[1] === "model.json"))
      versions.add(parts[0] as string);
  }
  const prefix = modelPrefix(name, latest);
  const labelsRaw = await store.head(`${prefix}labels.json`);
  const labels = labelsRaw
    ? parseStoredModelFile("labels.json", await store.get(`${prefix}labels.json`), LabelsSchema)
    : undefined;
  return {
    name,
    latest,
    versions: [...versions].sort(),
    ...(labels ? { labels } : {}),
    metrics: await readJson(store, `${prefix}metrics.json`),
    preprocess: await readJson(store, `${prefix}preprocess.json`),
  };
}
