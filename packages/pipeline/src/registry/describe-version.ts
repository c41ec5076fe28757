/**
 * One model version as the dashboard shows it: its files (names, sizes), labels, `metrics.json` (curves,
 * confusion, per-class P/R/F1, calibration), `calibration.json`, `preprocess.json`, `job.json` and the model card.
 */
import { NotFoundError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { modelPrefix } from "./keys.js";
import { validateModelName, validateVersion } from "./model-ref.js";

/**
 * What `GET /v1/models/{name}/versions/{version}` answers.
 * @example
 * const { files, metrics, modelCard }: VersionDescription = await describeVersion(store, "shapes", "2026…-839e");
 */
export interface VersionDescription {
  name: string;
  version: string;
  files: Array<{ name: string; bytes: number }>;
  labels?: unknown;
  metrics?: unknown;
  calibration?: unknown;
  preprocess?: unknown;
  job?: unknown;
  modelCard?: string;
}

const JSON_FILES = {
  labels: "labels.json",
  metrics: "metrics.json",
  calibration: "calibration.json",
  preprocess: "preprocess.json",
  job: "job.json",
} as const;

async function jsonFile(store: ObjectStore, key: string): Promise<unknown> {
  try {
    return JSON.parse((await store.get(key)).toString("utf8"));
  } catch {
    return undefined; // a broken or absent file must not hide the version
  }
}

/**
 * Describe one version directory.
 * @throws NotFoundError `version_not_found` when the directory holds nothing.
 * @example
 * const d = await describeVersion(store, "shapes", "20261202T193809763Z-839e");
 */
export async function describeVersion(
  store: ObjectStore,
  name: string,
  version: string,
): Promise<VersionDescription> {
  const prefix = modelPrefix(validateModelName(name), validateVersion(version));
  const files: VersionDescription["files"] = [];
  for await (const o of store.list(prefix)) files.push({ name: o.key.slice(prefix.length), bytes: o.size });
  if (files.length === 0)
    throw new NotFoundError("version_not_found", `model "${name}" has no version "${version}"`);
  const present = new Set(files.map((f) => f.name));
  const out: VersionDescription = { name, version, files };
  for (const [field, file] of Object.entries(JSON_FILES) as Array<[keyof typeof JSON_FILES, string]>) {
    if (present.has(file)) out[field] = await jsonFile(store, `${prefix}${file}`);
  }
  if (present.has("model-card.md"))
    out.modelCard = (await store.get(`${prefix}model-card.md`)).toString("utf8");
  return out;
}
