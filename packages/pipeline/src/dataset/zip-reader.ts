/**
 * Extracts a zip file with yauzl, enforcing the archive guards: entry count (from the central directory, before
 * reading anything), declared and actual inflated size, symlinks, path traversal. Names are decoded here
 * (not by yauzl) so legacy non-UTF-8 names work and each rejection gets its own error code.
 */
import type { Readable } from "node:stream";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { DatasetError } from "../errors.js";
import { type ArchiveLimits, ExtractBudget, type ExtractResult } from "./archive-limits.js";
import { safeEntryPath } from "./paths.js";
import { decodeZipName } from "./zip-names.js";

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false },
      (err, zip) => {
        if (err || !zip)
          reject(new DatasetError("archive_corrupt", `not a readable zip: ${err?.message}`, { cause: err }));
        else resolve(zip);
      },
    );
  });
}

function openEntry(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(err) : resolve(stream)));
  });
}

function readAllEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on("entry", (e: Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.on("end", () => resolve(entries));
    zip.on("error", (err: Error) =>
      reject(new DatasetError("archive_corrupt", `corrupt zip: ${err.message}`, { cause: err })),
    );
    zip.readEntry();
  });
}

/**
 * Extracts `file` into `workDir`.
 *
 * @example
 * const { files, dirs } = await extractZip("/tmp/upload.zip", "/tmp/work", { maxEntries: 1e5, maxUncompressedBytes: 1e10 });
 */
export async function extractZip(
  file: string,
  workDir: string,
  limits: ArchiveLimits,
): Promise<ExtractResult> {
  const zip = await openZip(file);
  try {
    const budget = new ExtractBudget(limits, workDir);
    if (zip.entryCount > limits.maxEntries) {
      throw new DatasetError(
        "archive_too_many_entries",
        `archive has ${zip.entryCount} entries, more than maxEntries (${limits.maxEntries})`,
      );
    }
    const entries = await readAllEntries(zip);
    budget.checkDeclared(entries.reduce((s, e) => s + e.uncompressedSize, 0));
    for (const entry of entries) {
      budget.countEntry();
      const raw = entry.fileName as unknown as Buffer;
      const name = decodeZipName(raw, (entry.generalPurposeBitFlag & 0x800) !== 0);
      const path = safeEntryPath(name);
      if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
        throw new DatasetError(
          "archive_symlink",
          `archive contains a symbolic link: ${JSON.stringify(name)}`,
        );
      }
      if (name.endsWith("/") || name.endsWith("\\")) {
        if (path) budget.result.dirs.push(path);
        continue;
      }
      if (!path || !budget.accept(path)) continue;
      await budget.write(path, await openEntry(zip, entry));
    }
    return budget.result;
  } finally {
    zip.close();
  }
}
