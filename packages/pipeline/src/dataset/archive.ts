/**
 * Archive uploads (`.zip`, `.tar`, `.tar.gz`): the object is streamed to a temp file (zip needs random access and
 * memory must stay bounded), its type is sniffed from magic bytes, and it is extracted with the guards: entry count,
 * and bytes written capped by total, by ratio to the archive's size and by the disk's free space (extract-cap.ts).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { DatasetError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import type { ArchiveLimits, ExtractResult } from "./archive-limits.js";
import { checkArchiveFits, extractLimits } from "./extract-cap.js";
import { extractTar } from "./tar-reader.js";
import { extractZip } from "./zip-reader.js";

export type ArchiveKind = "zip" | "tar" | "tar.gz";

/**
 * True when a key names an archive upload.
 *
 * @example
 * isArchiveKey("datasets/flowers.tar.gz"); // true
 */
export function isArchiveKey(key: string): boolean {
  return /\.(zip|tar|tgz|tar\.gz)$/i.test(key);
}

async function sniff(file: string): Promise<ArchiveKind> {
  const fh = await open(file, "r");
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    if (bytesRead >= 4 && head.readUInt16LE(0) === 0x4b50) return "zip";
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "tar.gz";
    if (bytesRead >= 262 && head.toString("latin1", 257, 262) === "ustar") return "tar";
  } finally {
    await fh.close();
  }
  throw new DatasetError("archive_unsupported", "upload is not a zip, tar or tar.gz archive");
}

/**
 * Downloads `key` from the store into `workDir` and extracts it there.
 *
 * @example
 * const res = await extractArchiveFromStore(store, "datasets/flowers.zip", workDir, limits);
 */
export async function extractArchiveFromStore(
  store: ObjectStore,
  key: string,
  workDir: string,
  limits: ArchiveLimits,
): Promise<ExtractResult> {
  const file = join(workDir, "upload.archive");
  const head = await store.head(key);
  if (head) await checkArchiveFits(head.size, workDir);
  await pipeline(await store.getStream(key), createWriteStream(file));
  const capped = await extractLimits(limits, (await stat(file)).size, workDir);
  const kind = await sniff(file);
  if (kind === "zip") return extractZip(file, workDir, capped);
  return extractTar(createReadStream(file), workDir, capped, kind === "tar.gz");
}
