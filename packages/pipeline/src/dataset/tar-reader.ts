/**
 * Extracts a tar or tar.gz stream with tar-stream, with the same guards as the zip reader. Links (symbolic or
 * hard) are rejected: a link entry can point outside the work dir or alias another entry.
 */
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { extract, type Header } from "tar-stream";
import { DatasetError } from "../errors.js";
import { type ArchiveLimits, ExtractBudget, type ExtractResult } from "./archive-limits.js";
import { safeEntryPath } from "./paths.js";
import { decodeTarName } from "./tar-names.js";

/** A tar entry body (a streamx readable): iterable and drainable. */
type EntryBody = AsyncIterable<Buffer> & { resume(): unknown };

async function handleEntry(budget: ExtractBudget, header: Header, body: EntryBody): Promise<void> {
  budget.countEntry();
  if (header.type === "symlink" || header.type === "link") {
    const name = decodeTarName(header.name);
    throw new DatasetError("archive_symlink", `archive contains a link: ${JSON.stringify(name)}`);
  }
  const path = safeEntryPath(decodeTarName(header.name));
  if (header.type === "directory") {
    if (path) budget.result.dirs.push(path);
    body.resume();
    return;
  }
  if (header.type !== "file" && header.type !== "contiguous-file") {
    body.resume(); // pax headers, devices, fifos: nothing to train on
    return;
  }
  if (!path || !budget.accept(path)) {
    body.resume();
    return;
  }
  await budget.write(path, body);
}

/**
 * Extracts a tar stream (gunzipped first when `gzip`) into `workDir`.
 *
 * @example
 * const res = await extractTar(createReadStream("d.tar.gz"), "/tmp/w", limits, true);
 */
export async function extractTar(
  input: Readable,
  workDir: string,
  limits: ArchiveLimits,
  gzip: boolean,
): Promise<ExtractResult> {
  const budget = new ExtractBudget(limits, workDir);
  // Names read as Latin-1 keep their bytes; decodeTarName then picks UTF-8 or Latin-1 per name. tar-stream 3 reads
  // `filenameEncoding` (extract.js) though its own typings leave it out, hence the widened options object.
  const options: Parameters<typeof extract>[0] & { filenameEncoding: BufferEncoding } = {
    filenameEncoding: "latin1",
  };
  const ex = extract(options);
  const source = gzip ? input.pipe(createGunzip()) : input;
  source.on("error", (err) => ex.destroy(err));
  source.pipe(ex);
  try {
    for await (const entry of ex) {
      await handleEntry(budget, entry.header, entry as unknown as EntryBody);
    }
  } catch (err) {
    source.destroy();
    if (err instanceof DatasetError) throw err;
    throw new DatasetError("archive_corrupt", `corrupt tar archive: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return budget.result;
}
