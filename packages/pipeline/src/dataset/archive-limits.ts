/**
 * Shared bookkeeping for archive extraction: entry and byte budgets counted on the actual inflated bytes
 * (headers can lie), and the result shape both the zip and tar readers fill.
 */
import { createWriteStream } from "node:fs";
import { extname, join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DatasetError } from "../errors.js";
import { isArchiveName, isHiddenPath } from "./paths.js";
import type { DatasetWarning, SkippedFile } from "./types.js";

export interface ArchiveLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
  /** Inflated bytes allowed per archive byte (extract-cap.ts). @default 100 */
  maxCompressionRatio?: number;
  /** Which cap `maxUncompressedBytes` is, for the error (set by extract-cap.ts). @default "maxUncompressedBytes" */
  capReason?: string;
}

export interface ExtractedFile {
  /** Path inside the archive (normalised). */
  path: string;
  /** Where its bytes were written. */
  file: string;
}

export interface ExtractResult {
  files: ExtractedFile[];
  /** Directory paths seen (so empty class folders are detected). */
  dirs: string[];
  skipped: SkippedFile[];
  warnings: DatasetWarning[];
}

/** Counts entries and inflated bytes across one archive; throws the specific DatasetError when over budget. */
export class ExtractBudget {
  private entries = 0;
  private bytes = 0;
  /** Index in `result.files` of each path written so far. */
  private readonly written = new Map<string, number>();
  readonly result: ExtractResult = { files: [], dirs: [], skipped: [], warnings: [] };

  constructor(
    private readonly limits: ArchiveLimits,
    private readonly workDir: string,
  ) {}

  countEntry(): void {
    this.entries++;
    if (this.entries > this.limits.maxEntries) {
      throw new DatasetError(
        "archive_too_many_entries",
        `archive has more than ${this.limits.maxEntries} entries (maxEntries)`,
      );
    }
  }

  private tooLarge(): DatasetError {
    return new DatasetError(
      "archive_too_large",
      `archive inflates to more than ${this.limits.maxUncompressedBytes} bytes (${this.limits.capReason ?? "maxUncompressedBytes"})`,
    );
  }

  /** Fail fast on declared sizes before inflating anything. */
  checkDeclared(total: number): void {
    if (total > this.limits.maxUncompressedBytes) throw this.tooLarge();
  }

  /** Decides what to do with a regular file entry: returns false when it is ignored or skipped. */
  accept(path: string): boolean {
    if (isHiddenPath(path)) return false;
    if (isArchiveName(path)) {
      this.result.skipped.push({
        path,
        reason: "nested_archive",
        detail: "nested archives are not expanded",
      });
      this.result.warnings.push({
        code: "nested_archive_ignored",
        message: `nested archive ignored: ${path}`,
        paths: [path],
      });
      return false;
    }
    return true;
  }

  /** Streams one entry to the work dir, counting inflated bytes. */
  async write(path: string, body: Readable | AsyncIterable<Buffer>): Promise<void> {
    const file = join(this.workDir, `e${this.result.files.length}${extname(path).slice(0, 12)}`);
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.bytes += chunk.length;
        cb(this.bytes > this.limits.maxUncompressedBytes ? this.tooLarge() : null, chunk);
      },
    });
    await pipeline(body, counter, createWriteStream(file));
    const earlier = this.written.get(path);
    if (earlier === undefined) {
      this.written.set(path, this.result.files.length);
      this.result.files.push({ path, file });
      return;
    }
    // The same name twice (an appended tar, or names that differ only in encoding): the later entry wins, as
    // `tar -x` would leave it, and the dataset holds the image once.
    this.result.files[earlier] = { path, file };
    this.result.warnings.push({
      code: "duplicate_entry",
      message: `archive has more than one entry named ${JSON.stringify(path)}; the last one is used`,
      paths: [path],
    });
  }
}
