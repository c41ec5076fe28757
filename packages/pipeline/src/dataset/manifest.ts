/**
 * Manifest uploads: `manifest.jsonl` (`{"image", "label", "split"?}` per line) or CSV with an
 * `image,label[,split]` header. Every bad line is reported (with its line number) in one DatasetError.
 */
import { z } from "zod";
import { DatasetError, type ErrorIssue } from "../errors.js";

const RowSchema = z.object({
  image: z.string().min(1),
  label: z.string().min(1),
  split: z.enum(["train", "val"]).optional(),
});

export type ManifestRow = z.infer<typeof RowSchema> & { line: number };

/**
 * True when a key names a manifest upload.
 *
 * @example
 * isManifestKey("datasets/pets/manifest.jsonl"); // true
 */
export function isManifestKey(key: string): boolean {
  return /\.(jsonl|csv)$/i.test(key);
}

/** Splits one CSV line (RFC 4180 quotes, `""` escapes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

function csvRecords(lines: string[], issues: ErrorIssue[]): Array<{ line: number; value: unknown }> {
  const header = csvFields(lines[0] ?? "").map((h) => h.toLowerCase());
  if (!header.includes("image") || !header.includes("label")) {
    issues.push({
      path: [1],
      code: "manifest_header",
      message: "line 1: CSV header must name image,label[,split]",
    });
    return [];
  }
  const recs: Array<{ line: number; value: unknown }> = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === "") continue;
    const fields = csvFields(lines[i]!);
    const value: Record<string, string> = {};
    header.forEach((h, j) => {
      if (fields[j] !== undefined && fields[j] !== "") value[h] = fields[j]!;
    });
    recs.push({ line: i + 1, value });
  }
  return recs;
}

function jsonlRecords(lines: string[], issues: ErrorIssue[]): Array<{ line: number; value: unknown }> {
  const recs: Array<{ line: number; value: unknown }> = [];
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    try {
      recs.push({ line: i + 1, value: JSON.parse(text) });
    } catch {
      issues.push({ path: [i + 1], code: "manifest_invalid_line", message: `line ${i + 1}: not valid JSON` });
    }
  });
  return recs;
}

/**
 * Parses a manifest; throws DatasetError `manifest_invalid_line` listing every bad line.
 *
 * @example
 * parseManifest('{"image":"a.jpg","label":"cat"}\n', "jsonl"); // [{ image: "a.jpg", label: "cat", line: 1 }]
 */
export function parseManifest(text: string, format: "jsonl" | "csv"): ManifestRow[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const issues: ErrorIssue[] = [];
  const recs = format === "csv" ? csvRecords(lines, issues) : jsonlRecords(lines, issues);
  const rows: ManifestRow[] = [];
  for (const r of recs) {
    const p = RowSchema.safeParse(r.value);
    if (p.success) rows.push({ ...p.data, line: r.line });
    else {
      const why = p.error.issues.map((i) => `${i.path.join(".") || "row"}: ${i.message}`).join(", ");
      issues.push({ path: [r.line], code: "manifest_invalid_line", message: `line ${r.line}: ${why}` });
    }
  }
  if (issues.length > 0) {
    throw new DatasetError(
      "manifest_invalid_line",
      `manifest has ${issues.length} invalid line(s): ${issues
        .slice(0, 5)
        .map((i) => i.message)
        .join("; ")}`,
      { issues },
    );
  }
  if (rows.length === 0) throw new DatasetError("no_valid_images", "manifest lists no images");
  return rows;
}
