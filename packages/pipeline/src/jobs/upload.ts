/**
 * `residual upload`: put a dataset where uploads start jobs. An archive becomes `datasets/<file>`; a folder becomes
 * `datasets/<name>/…` with its `residual.json` written last, because that marker is what says the upload is complete.
 */
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { InvalidInputError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { ARCHIVE_SUFFIXES, DATASET_PREFIX, MARKER_FILE } from "./dataset-event.js";
import { datasetName } from "./job-id.js";

export interface UploadResult {
  /** The key whose creation starts the job (the archive, or the folder's marker). */
  key: string;
  files: number;
  bytes: number;
}

const HIDDEN = /(^|\/)(\.[^/]*|__MACOSX|Thumbs\.db)(\/|$)/;

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * Upload an archive or a folder of class folders.
 * @example
 * const { key } = await uploadDataset(store, "./flowers.zip"); // datasets/flowers.zip
 */
export async function uploadDataset(
  store: ObjectStore,
  path: string,
  opts: { name?: string; onFile?: (key: string) => void } = {},
): Promise<UploadResult> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InvalidInputError("path_not_found", `no such file or folder: ${path}`);
  if (info.isFile()) {
    const file = basename(path);
    if (!ARCHIVE_SUFFIXES.some((s) => file.toLowerCase().endsWith(s))) {
      throw new InvalidInputError(
        "unsupported_archive",
        `${file} is not a dataset archive: use .zip, .tar, .tar.gz or .tgz, or upload a folder`,
      );
    }
    const name = opts.name ? `${opts.name}${file.slice(file.indexOf("."))}` : file;
    const key = `${DATASET_PREFIX}${name}`;
    await store.put(key, createReadStream(path));
    opts.onFile?.(key);
    return { key, files: 1, bytes: info.size };
  }
  const name = datasetName(`${DATASET_PREFIX}${opts.name ?? basename(path)}.zip`);
  const prefix = `${DATASET_PREFIX}${name}/`;
  const files = (await walk(path)).map((p) => ({ p, rel: relative(path, p).split(sep).join("/") }));
  const data = files.filter((f) => !HIDDEN.test(f.rel) && f.rel !== MARKER_FILE);
  if (data.length === 0) throw new InvalidInputError("empty_dataset", `${path} holds no files to upload`);
  let bytes = 0;
  for (const f of data) {
    await store.put(`${prefix}${f.rel}`, await readFile(f.p));
    bytes += (await stat(f.p)).size;
    opts.onFile?.(`${prefix}${f.rel}`);
  }
  const marker = files.find((f) => f.rel === MARKER_FILE);
  const spec = marker ? await readFile(marker.p) : Buffer.from("{}\n");
  const key = `${prefix}${MARKER_FILE}`;
  await store.put(key, spec, { contentType: "application/json" });
  opts.onFile?.(key);
  return { key, files: data.length + 1, bytes: bytes + spec.length };
}
