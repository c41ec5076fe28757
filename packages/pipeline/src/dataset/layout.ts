/**
 * ImageFolder layout inference over relative paths (from an archive or a store prefix):
 * `[top/][train|val/]<class>/<any depth>/<file>`. One top folder is stripped when everything lives under it;
 * `residual.json` is read from the (stripped) root; files directly at the root are skipped with a warning.
 */
import type { Candidate, DatasetWarning, SampleRef, SkippedFile } from "./types.js";

export const SPEC_FILE = "residual.json";

export interface LayoutInput {
  path: string;
  ref: SampleRef;
}

export interface Layout {
  candidates: Candidate[];
  /** Class folders seen, including empty ones (from directory entries). */
  classDirs: { train: Set<string>; val: Set<string> };
  hasSplits: boolean;
  spec?: SampleRef;
  skipped: SkippedFile[];
  warnings: DatasetWarning[];
}

function commonTop(paths: string[]): string | undefined {
  let top: string | undefined;
  for (const p of paths) {
    const i = p.indexOf("/");
    if (i < 0) return undefined;
    const t = p.slice(0, i);
    if (top === undefined) top = t;
    else if (top !== t) return undefined;
  }
  return top;
}

function splitOf(seg: string): "train" | "val" | undefined {
  const s = seg.toLowerCase();
  return s === "train" ? "train" : s === "val" || s === "valid" || s === "validation" ? "val" : undefined;
}

/**
 * Infers classes/splits from relative paths. `dirs` are folder paths known to exist (possibly empty).
 *
 * @example
 * inferFolderLayout([{ path: "flowers/rose/a.jpg", ref }], []).candidates[0].label; // "rose"
 */
export function inferFolderLayout(files: LayoutInput[], dirs: string[]): Layout {
  let top = commonTop([...files.map((f) => f.path), ...dirs.filter((d) => d.includes("/"))]);
  // A single folder holding only files is a (single) class, not a wrapper folder.
  if (top !== undefined && !files.some((f) => f.path.split("/").length > 2)) top = undefined;
  const strip = (p: string): string =>
    top !== undefined && p.startsWith(`${top}/`) ? p.slice(top.length + 1) : p;
  const rel = files.map((f) => ({ ...f, path: strip(f.path) }));
  const relDirs = dirs.map(strip).filter((d) => d !== "" && d !== top);
  const hasSplits = [...rel.map((f) => f.path), ...relDirs].some(
    (p) => splitOf(p.split("/")[0] ?? "") === "train",
  );
  const out: Layout = {
    candidates: [],
    classDirs: { train: new Set(), val: new Set() },
    hasSplits,
    skipped: [],
    warnings: [],
  };
  const classOf = (segs: string[]): { split?: "train" | "val"; label?: string; depth: number } => {
    if (!hasSplits) return { label: segs[0], depth: 1 };
    const split = splitOf(segs[0] ?? "");
    return split ? { split, label: segs[1], depth: 2 } : { depth: 2 };
  };
  for (const d of relDirs) {
    const c = classOf(d.split("/"));
    if (c.label) out.classDirs[c.split ?? "train"].add(c.label);
  }
  const outside: string[] = [];
  for (const f of rel) {
    if (f.path === SPEC_FILE) {
      out.spec = f.ref;
      continue;
    }
    const segs = f.path.split("/");
    const c = classOf(segs);
    if (!c.label || segs.length <= c.depth) {
      outside.push(f.path);
      out.skipped.push({
        path: f.path,
        reason: "not_in_class_folder",
        detail: "file is not inside a class folder",
      });
      continue;
    }
    out.classDirs[c.split ?? "train"].add(c.label);
    out.candidates.push({ ref: f.ref, path: f.path, label: c.label, ...(c.split ? { split: c.split } : {}) });
  }
  if (outside.length > 0) {
    out.warnings.push({
      code: "files_outside_classes",
      message: `${outside.length} file(s) outside class folders were ignored`,
      paths: outside.slice(0, 20),
    });
  }
  return out;
}
