/**
 * Metadata of objects in a LocalObjectStore: ETag (MD5) and content type live in a sidecar JSON file under
 * `<root>/.objstore/meta/`. A sidecar is trusted only when it names the same inode, size and mtime as the file it
 * describes, so files written by other tools (or a sidecar left stale by a racing writer) fall back to hashing the
 * file, and the ETag is always the MD5 of the bytes a reader gets.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { mkdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { z } from "zod";

const SidecarSchema = z.object({
  etag: z.string(),
  ino: z.number(),
  size: z.number(),
  mtimeMs: z.number(),
  contentType: z.string().optional(),
});
export type Sidecar = z.infer<typeof SidecarSchema>;

/** The identity of one version of a file: a rename keeps it, any rewrite changes it. */
function sameVersion(a: { ino: number; size: number; mtimeMs: number }, st: Stats): boolean {
  return a.ino === st.ino && a.size === st.size && a.mtimeMs === st.mtimeMs;
}

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Reads and writes sidecars for one store root; caches hashes of sidecar-less files by file version. */
export class LocalMetadata {
  private readonly hashCache = new Map<
    string,
    { ino: number; size: number; mtimeMs: number; etag: string }
  >();

  /**
   * @param internalDir `<root>/.objstore`, where `meta/` and `tmp/` live.
   * @example
   * const meta = new LocalMetadata("/data/bucket/.objstore");
   */
  constructor(private readonly internalDir: string) {}

  /** A fresh temp path on the same filesystem as the data, so rename and link are atomic. */
  async tempPath(): Promise<string> {
    const dir = join(this.internalDir, "tmp");
    await mkdir(dir, { recursive: true });
    return join(dir, randomUUID());
  }

  private sidecarPath(key: string): string {
    return join(this.internalDir, "meta", `${key}.json`);
  }

  /** Record the ETag and content type of the file version `st` at `key` (atomically: temp file + rename). */
  async write(key: string, st: Stats, etag: string, contentType: string | undefined): Promise<void> {
    const sidecar: Sidecar = { etag, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, contentType };
    const path = this.sidecarPath(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = await this.tempPath();
    await writeFile(tmp, JSON.stringify(sidecar));
    await rename(tmp, path);
  }

  /** ETag and content type of the file version `st` at `key`, hashing the file when no valid sidecar exists. */
  async read(key: string, filePath: string, st: Stats): Promise<{ etag: string; contentType?: string }> {
    const sidecar = await this.readSidecar(key);
    if (sidecar && sameVersion(sidecar, st)) return { etag: sidecar.etag, contentType: sidecar.contentType };
    const cached = this.hashCache.get(filePath);
    if (cached && sameVersion(cached, st)) return { etag: cached.etag };
    const etag = await md5OfFile(filePath);
    // Bounded so listing a huge foreign directory cannot grow memory without limit.
    if (this.hashCache.size > 10_000) this.hashCache.clear();
    this.hashCache.set(filePath, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, etag });
    return { etag };
  }

  private async readSidecar(key: string): Promise<Sidecar | undefined> {
    try {
      const parsed = SidecarSchema.safeParse(JSON.parse(await readFile(this.sidecarPath(key), "utf8")));
      return parsed.success ? parsed.data : undefined;
    } catch {
      // Missing or torn sidecar: the caller hashes the file instead.
      return undefined;
    }
  }

  /** Forget `key`'s sidecar (after a delete). */
  async remove(key: string): Promise<void> {
    const path = this.sidecarPath(key);
    await rm(path, { force: true });
    // Like the data tree, the sidecar tree keeps no empty directories behind deleted keys.
    const metaRoot = join(this.internalDir, "meta");
    for (let dir = dirname(path); dir.startsWith(`${metaRoot}${sep}`); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty, or a concurrent put is using it
      }
    }
  }
}
