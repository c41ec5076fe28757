/**
 * How many bytes one archive may write to disk: the smallest of the configured total (`maxUncompressedBytes`), a
 * multiple of the archive's own size (`maxCompressionRatio`: images barely compress, so a zip of a few KiB that
 * inflates to gigabytes is a bomb; small archives always get {@link RATIO_FLOOR_BYTES}), and the free space of
 * the disk the work dir is on (less a reserve), which on AWS Batch is the job's volume. Measured, not configured,
 * so one default fits a laptop and a container alike; the budget is checked against declared sizes first and
 * against the bytes actually inflated as they are written.
 */
import { statfs } from "node:fs/promises";
import { DatasetError } from "../errors.js";
import type { ArchiveLimits } from "./archive-limits.js";

/** Archives smaller than this ÷ ratio may still inflate to this much. */
export const RATIO_FLOOR_BYTES = 64 * 1024 ** 2;
/** Free space left untouched on the work dir's disk: other jobs, the model, checkpoints. */
const RESERVE_FRACTION = 0.1;
const RESERVE_MIN_BYTES = 512 * 1024 ** 2;

/**
 * Free bytes on the filesystem holding `dir`, after the reserve (never negative).
 * @example
 * const usable = await usableDiskBytes(tmpdir());
 */
export async function usableDiskBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const total = fs.blocks * fs.bsize;
  return Math.max(0, free - Math.max(RESERVE_MIN_BYTES, total * RESERVE_FRACTION));
}

const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(2)} GiB`;

/**
 * Refuse an archive whose download alone would not fit on the work dir's disk.
 * @example
 * await checkArchiveFits(head.size, workDir);
 */
export async function checkArchiveFits(archiveBytes: number, workDir: string): Promise<void> {
  const usable = await usableDiskBytes(workDir);
  if (archiveBytes > usable)
    throw new DatasetError(
      "archive_too_large",
      `archive is ${gib(archiveBytes)}, more than the ${gib(usable)} this machine's disk can spare for it`,
    );
}

/**
 * The limits one archive of `archiveBytes` is extracted under, with the cap that binds named in `capReason`.
 * @example
 * const limits = await extractLimits(options, (await stat(file)).size, workDir);
 */
export async function extractLimits(
  limits: ArchiveLimits,
  archiveBytes: number,
  workDir: string,
): Promise<ArchiveLimits> {
  const ratio = limits.maxCompressionRatio ?? 100;
  const candidates: Array<[number, string]> = [
    [limits.maxUncompressedBytes, "maxUncompressedBytes"],
    [
      Math.max(RATIO_FLOOR_BYTES, archiveBytes * ratio),
      `maxCompressionRatio ${ratio} × the archive's ${archiveBytes} bytes`,
    ],
    [await usableDiskBytes(workDir), "the free disk space of the work dir, less a reserve"],
  ];
  const [cap, reason] = candidates.reduce((a, b) => (b[0] < a[0] ? b : a));
  return { ...limits, maxUncompressedBytes: Math.floor(cap), capReason: reason };
}
