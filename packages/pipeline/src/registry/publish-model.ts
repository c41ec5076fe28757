/**
 * publishModel: write a version directory, then `models/<name>/latest` LAST, so a reader that follows `latest`
 * never sees a half-written version.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { ConflictError, InvalidInputError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { versionJobId } from "./job-version.js";
import { latestKey, modelPrefix, validateFilePath } from "./keys.js";
import { parseModelFile, VALIDATED_FILES } from "./model-files.js";
import { validateModelName, validateVersion } from "./model-ref.js";
import { newVersionId } from "./version-id.js";

export type PublishBody = Buffer | Uint8Array | string;

export interface PublishModelOptions {
  name: string;
  /** @default a new sortable timestamp id (newVersionId()) */
  version?: string;
  /** Relative path → contents, or a local directory whose files are uploaded as-is. */
  files: Readonly<Record<string, PublishBody>> | string;
  /**
   * The job publishing it: an existing version whose `job.json` names the same job is finished (rewritten), not
   * refused, so publishing is idempotent per job (job-version.ts).
   */
  jobId?: string;
  /** Move `latest` to this version. @default true */
  setLatest?: boolean;
}

export interface PublishedModel {
  name: string;
  version: string;
  /** `models/<name>/<version>/` */
  prefix: string;
  files: string[];
}

const CONTENT_TYPES: Record<string, string> = {
  json: "application/json",
  md: "text/markdown; charset=utf-8",
  png: "image/png",
  svg: "image/svg+xml",
  onnx: "application/octet-stream",
  bin: "application/octet-stream",
};

async function readDirectory(dir: string): Promise<Record<string, PublishBody>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: Record<string, PublishBody> = {};
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    out[relative(dir, full).split(sep).join("/")] = await readFile(full);
  }
  return out;
}

function checkFiles(files: Record<string, PublishBody>): void {
  const names = Object.keys(files);
  for (const path of names) validateFilePath(path);
  if (!names.includes("model.json") && !names.includes("model.onnx")) {
    throw new InvalidInputError("invalid_model_files", "a published model needs model.json or model.onnx");
  }
  for (const path of names) {
    const schema = VALIDATED_FILES[path];
    if (schema) parseModelFile(path, files[path] as PublishBody, schema);
  }
}

/**
 * Publish a model version. Validates the name, version, file paths and the known JSON files first; refuses to
 * overwrite an existing version (ConflictError `version_exists`) unless `jobId` names the job that wrote it; writes
 * `latest` last.
 * @example
 * const { version } = await publishModel(store, {
 *   name: "flowers",
 *   files: { "model.onnx": onnxBytes, "labels.json": JSON.stringify(["daisy", "rose"]) },
 * });
 */
export async function publishModel(
  store: ObjectStore,
  options: PublishModelOptions,
): Promise<PublishedModel> {
  const name = validateModelName(options.name);
  const version = validateVersion(options.version ?? newVersionId());
  const files = typeof options.files === "string" ? await readDirectory(options.files) : { ...options.files };
  checkFiles(files);
  const prefix = modelPrefix(name, version);
  const existing = await store.listPage(prefix, { limit: 1 });
  const ours = options.jobId !== undefined && (await versionJobId(store, name, version)) === options.jobId;
  if (existing.objects.length > 0 && !ours) {
    throw new ConflictError(
      "version_exists",
      `model ${name}@${version} already exists; versions are immutable`,
    );
  }
  // model.json/model.onnx go last inside the directory: resolvers check for them, so a crash mid-upload
  // leaves a directory that resolves as "not found" rather than half a model.
  const ordered = Object.keys(files).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const path of ordered) {
    const ext = path.slice(path.lastIndexOf(".") + 1);
    const contentType = CONTENT_TYPES[ext];
    await store.put(`${prefix}${path}`, files[path] as PublishBody, contentType ? { contentType } : {});
  }
  if (options.setLatest !== false) {
    await store.put(latestKey(name), version, { contentType: "text/plain; charset=utf-8" });
  }
  return { name, version, prefix, files: ordered };
}

/** `job.json` first (it names the job that owns the version), the model files last. */
function rank(path: string): number {
  if (path === "job.json") return -1;
  return path === "model.json" || path === "model.onnx" ? 1 : 0;
}
