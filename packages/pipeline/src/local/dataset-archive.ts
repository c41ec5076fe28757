/**
 * Writes an in-memory dataset (`{ "<class>/<file>": bytes }` plus a job spec) as a `.tar.gz` archive or as a
 * folder, the two shapes `residual upload` accepts. The spec goes in as `residual.json` at the dataset's root.
 */
import { createWriteStream } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { pack } from "tar-stream";

/** The name of the job spec inside a dataset (the jobs code's marker file). */
const SPEC_FILE = "residual.json";

function entries(files: Map<string, Buffer>, spec: object): [string, Buffer][] {
  const all: [string, Buffer][] = [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  all.push([SPEC_FILE, Buffer.from(`${JSON.stringify(spec, null, 2)}\n`)]);
  return all;
}

/**
 * Write `files` + `residual.json` as a gzipped tar. The write goes to a temp name first, so a watcher polling
 * the target folder never sees half an archive under the final name.
 *
 * @example
 * await writeDatasetArchive("/tmp/shapes.tar.gz", await shapesDatasetFiles(), { epochs: 3 });
 */
export async function writeDatasetArchive(path: string, files: Map<string, Buffer>, spec: object) {
  await mkdir(dirname(path), { recursive: true });
  const tar = pack();
  const tmp = `${path}.partial`;
  const done = pipeline(tar, createGzip(), createWriteStream(tmp));
  // Fixed mtimes keep the archive's bytes (hence its ETag and job id) a function of its content only.
  const mtime = new Date(0);
  for (const [name, data] of entries(files, spec)) {
    await new Promise<void>((resolve, reject) =>
      tar.entry({ name, size: data.length, mtime, mode: 0o644 }, data, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  tar.finalize();
  await done;
  await rename(tmp, path);
}

/**
 * Write `files` + `residual.json` under `dir` (an ImageFolder-style folder).
 *
 * @example
 * await writeDatasetFolder("/tmp/shapes", await shapesDatasetFiles(), { epochs: 3 });
 */
export async function writeDatasetFolder(dir: string, files: Map<string, Buffer>, spec: object) {
  for (const [name, data] of entries(files, spec)) {
    const path = join(dir, ...name.split("/"));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
  }
}
