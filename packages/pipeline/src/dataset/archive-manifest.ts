/**
 * An archive can carry its own manifest instead of class folders: `manifest.jsonl` or `manifest.csv` at its root
 * (or at the root of its single top folder), with image paths relative to the manifest, for images laid out any
 * way. Rows pointing outside the archive or at entries it does not contain are `manifest_missing_image` errors,
 * as for a manifest in the bucket; a `residual.json` beside the manifest carries training options as usual.
 */
import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { DatasetError } from "../errors.js";
import type { ExtractedFile } from "./archive-limits.js";
import { missingImages } from "./dataset-checks.js";
import { type Layout, SPEC_FILE } from "./layout.js";
import { parseManifest } from "./manifest.js";
import type { Candidate } from "./types.js";

const MANIFEST_NAMES = new Set(["manifest.jsonl", "manifest.csv"]);

/**
 * The archive's manifest: the shallowest `manifest.jsonl`/`manifest.csv` at depth 0 or 1. Two candidates at
 * that depth are ambiguous and rejected.
 *
 * @example
 * findArchiveManifest([{ path: "pets/manifest.csv", file: "/w/e0.csv" }])?.path // "pets/manifest.csv"
 */
export function findArchiveManifest(files: readonly ExtractedFile[]): ExtractedFile | undefined {
  for (const depth of [0, 1]) {
    const found = files.filter((f) => {
      const segs = f.path.split("/");
      return segs.length === depth + 1 && MANIFEST_NAMES.has(segs[depth]!.toLowerCase());
    });
    if (found.length > 1) {
      throw new DatasetError(
        "archive_ambiguous_manifest",
        `archive has more than one manifest: ${found.map((f) => f.path).join(", ")}`,
      );
    }
    if (found[0]) return found[0];
  }
  return undefined;
}

/**
 * Candidates from an archive's manifest, resolved against the extracted entries.
 *
 * @example
 * const layout = await archiveManifestLayout(manifest, extracted.files);
 */
export async function archiveManifestLayout(
  manifest: ExtractedFile,
  files: readonly ExtractedFile[],
): Promise<Layout> {
  const format = manifest.path.toLowerCase().endsWith(".csv") ? "csv" : "jsonl";
  const rows = parseManifest(await readFile(manifest.file, "utf8"), format);
  const byPath = new Map(files.map((f) => [f.path, f.file]));
  const dir = posix.dirname(manifest.path);
  const layout: Layout = {
    candidates: [],
    classDirs: { train: new Set(), val: new Set() },
    hasSplits: rows.some((r) => r.split === "val"),
    skipped: [],
    warnings: [],
  };
  const spec = byPath.get(dir === "." ? SPEC_FILE : `${dir}/${SPEC_FILE}`);
  if (spec) layout.spec = { kind: "file", path: spec };
  const missing: Candidate[] = [];
  for (const r of rows) {
    const rel = posix.normalize(dir === "." ? r.image : `${dir}/${r.image}`).replace(/^\/+/, "");
    const file = rel.startsWith("../") ? undefined : byPath.get(rel);
    const candidate: Candidate = {
      ref: { kind: "file", path: file ?? "" },
      path: `${r.image} (line ${r.line})`,
      label: r.label,
      split: r.split ?? "train",
    };
    if (file) layout.candidates.push(candidate);
    else missing.push(candidate);
  }
  if (missing.length > 0) throw missingImages(missing);
  return layout;
}
