/**
 * Discovery for the three upload formats: archive, folder under a prefix (complete once `residual.json` exists),
 * and manifest. Each returns candidates (not yet validated) plus what it skipped.
 */
import { posix } from "node:path";
import { DatasetError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { extractArchiveFromStore } from "./archive.js";
import type { ArchiveLimits } from "./archive-limits.js";
import { archiveManifestLayout, findArchiveManifest } from "./archive-manifest.js";
import { inferFolderLayout, type Layout, type LayoutInput } from "./layout.js";
import { parseManifest } from "./manifest.js";
import { mapBounded } from "./map-bounded.js";
import { isArchiveName, isHiddenPath } from "./paths.js";

export type Discovered = Layout & { format: "archive" | "folder" | "manifest" };

/**
 * Extracts an archive into `workDir` and infers its ImageFolder layout, or reads its own manifest when it has one
 * (`archive-manifest.ts`).
 *
 * @example
 * const d = await discoverArchive(store, "datasets/flowers.zip", workDir, limits);
 */
export async function discoverArchive(
  store: ObjectStore,
  key: string,
  workDir: string,
  limits: ArchiveLimits,
): Promise<Discovered> {
  const ex = await extractArchiveFromStore(store, key, workDir, limits);
  const manifest = findArchiveManifest(ex.files);
  if (manifest) {
    const layout = await archiveManifestLayout(manifest, ex.files);
    return { ...layout, format: "archive", skipped: ex.skipped, warnings: ex.warnings };
  }
  const files: LayoutInput[] = ex.files.map((f) => ({ path: f.path, ref: { kind: "file", path: f.file } }));
  const layout = inferFolderLayout(files, ex.dirs);
  return {
    ...layout,
    format: "archive",
    skipped: [...ex.skipped, ...layout.skipped],
    warnings: [...ex.warnings, ...layout.warnings],
  };
}

/**
 * Lists a folder upload under `prefix`; fails with `dataset_incomplete` until its `residual.json` marker exists.
 *
 * @example
 * const d = await discoverFolder(store, "datasets/flowers/");
 */
export async function discoverFolder(store: ObjectStore, prefix: string): Promise<Discovered> {
  const base = prefix.endsWith("/") ? prefix : `${prefix}/`;
  const files: LayoutInput[] = [];
  const nested: string[] = [];
  for await (const o of store.list(base)) {
    const rel = o.key.slice(base.length);
    if (rel === "" || rel.endsWith("/") || isHiddenPath(rel)) continue;
    if (isArchiveName(rel)) nested.push(rel);
    else files.push({ path: rel, ref: { kind: "store", key: o.key } });
  }
  if (files.length === 0 && nested.length === 0) {
    throw new DatasetError("dataset_not_found", `no objects under ${store.url}/${base}`);
  }
  const layout = inferFolderLayout(files, []);
  if (!layout.spec) {
    throw new DatasetError(
      "dataset_incomplete",
      `folder upload ${base} has no residual.json beside its class folders (upload it last to mark completion)`,
    );
  }
  for (const path of nested) {
    layout.skipped.push({ path, reason: "nested_archive", detail: "nested archives are not expanded" });
    layout.warnings.push({
      code: "nested_archive_ignored",
      message: `nested archive ignored: ${path}`,
      paths: [path],
    });
  }
  return { ...layout, format: "folder" };
}

/**
 * Parses a manifest and resolves each image: relative to the manifest's folder when that object exists,
 * otherwise as a bucket key. Missing images are reported later by validation (dataset error).
 *
 * @example
 * const d = await discoverManifest(store, "datasets/pets/manifest.jsonl", 16);
 */
export async function discoverManifest(
  store: ObjectStore,
  key: string,
  concurrency: number,
): Promise<Discovered> {
  const format = key.toLowerCase().endsWith(".csv") ? "csv" : "jsonl";
  const rows = parseManifest((await store.get(key)).toString("utf8"), format);
  const dir = posix.dirname(key);
  const keys = await mapBounded(rows, concurrency, async (r) => {
    const image = r.image.replace(/^\/+/, "");
    const rel = dir === "." ? image : posix.normalize(`${dir}/${image}`);
    if (!rel.startsWith("../") && rel !== image && (await store.head(rel))) return rel;
    return image;
  });
  const layout: Discovered = {
    format: "manifest",
    candidates: [],
    classDirs: { train: new Set(), val: new Set() },
    hasSplits: rows.some((r) => r.split === "val"),
    skipped: [],
    warnings: [],
  };
  rows.forEach((r, i) => {
    const path = `${r.image} (line ${r.line})`;
    layout.candidates.push({
      ref: { kind: "store", key: keys[i]! },
      path,
      label: r.label,
      split: r.split ?? "train",
    });
  });
  return layout;
}
