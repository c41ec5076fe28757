/**
 * Rules about file names inside uploads: hidden/OS junk is ignored, nested archives are recognised, and archive
 * entry names are normalised with traversal and absolute paths rejected.
 */
import { DatasetError } from "../errors.js";

const HIDDEN_NAMES = new Set([".ds_store", "thumbs.db", "desktop.ini"]);
const ARCHIVE_RE = /\.(zip|tar|tgz|gz|tar\.gz|bz2|xz|7z|rar)$/i;

/**
 * True for OS junk that ImageFolder users never mean as data: `.DS_Store`, `Thumbs.db`, `__MACOSX/`, `._*`,
 * and any dot-file or dot-folder.
 *
 * @example
 * isHiddenPath("__MACOSX/cat/._a.jpg"); // true
 */
export function isHiddenPath(rel: string): boolean {
  return rel
    .split("/")
    .some((seg) => seg === "__MACOSX" || seg.startsWith(".") || HIDDEN_NAMES.has(seg.toLowerCase()));
}

/**
 * True when a file name looks like an archive (nested archives are ignored with a warning, never expanded).
 *
 * @example
 * isArchiveName("cats/more.zip"); // true
 */
export function isArchiveName(rel: string): boolean {
  return ARCHIVE_RE.test(rel);
}

/**
 * Normalises an archive entry name to a relative `/` path; throws `archive_path_traversal` for `..` escapes
 * and absolute (`/x`, `C:\x`, `\\server`) names.
 *
 * @example
 * safeEntryPath("./cat\\a.jpg"); // "cat/a.jpg"
 */
export function safeEntryPath(name: string): string {
  const unified = name.replace(/\\/g, "/");
  if (unified.startsWith("/") || /^[a-zA-Z]:/.test(unified)) {
    throw new DatasetError(
      "archive_path_traversal",
      `archive entry has an absolute path: ${JSON.stringify(name)}`,
    );
  }
  const out: string[] = [];
  for (const seg of unified.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      throw new DatasetError(
        "archive_path_traversal",
        `archive entry escapes the archive: ${JSON.stringify(name)}`,
      );
    }
    out.push(seg);
  }
  return out.join("/");
}
