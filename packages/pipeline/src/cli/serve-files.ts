/**
 * The one body of `residual embed` and `residual classify` over many files: a serving core over the model's
 * store, files read and served in bounded batches (never all in memory), one JSON line per file (`file` on each,
 * an `error` for a file that cannot be read or decoded) or a table on a terminal, a progress bar on a terminal's
 * stderr, and exit code 1 only when some file failed. A model that cannot be loaded stops the run.
 */
import { readFile } from "node:fs/promises";
import { loadConfig, servingCoreOptions } from "../config/load-config.js";
import { isResidualError } from "../errors.js";
import { barGlyphs } from "../local/progress-bar.js";
import { ImageDecodeError, ImageFormatError, ImageTooLargeError } from "../preprocess/errors.js";
import { assertAllowedImage } from "../preprocess/image-format.js";
import { ServingCore } from "../serving/serving-core.js";
import { resolveCliModel } from "./cli-model.js";
import { table, wantsJson } from "./output-mode.js";

/**
 * One file's answer: the model that answered and the command's fields (`predictions`, `embedding`, …).
 * @example
 * const row: FileRow = { model: "pets", version: "v1", fields: { predictions: [], unknown: false } };
 */
export interface FileRow {
  model: string;
  version: string;
  fields: Record<string, unknown>;
}

/**
 * What `embed` / `classify` hand over: flags, how to serve a batch of images, and how a row reads in a table.
 * @example
 * await serveFiles(files, { store, model, json, batchSize: 16, serve, columns: ["LABEL"], cells });
 */
export interface ServeFilesOptions {
  store?: string;
  model?: string;
  json?: boolean;
  batchSize: number;
  /** One row per image, in order. */
  serve(core: ServingCore, images: Buffer[], ref: string | undefined): Promise<FileRow[]>;
  columns: readonly string[];
  cells(row: FileRow): string[];
}

type Outcome = { file: string; row: FileRow } | { file: string; error: { code: string; message: string } };

const isImageError = (e: unknown) =>
  e instanceof ImageDecodeError || e instanceof ImageTooLargeError || e instanceof ImageFormatError;

function failure(file: string, err: unknown): Outcome {
  const code = isResidualError(err) ? err.code : "file_not_readable";
  const message = err instanceof Error ? err.message.replace(/^images\[\d+\](\.s3)?: /, "") : String(err);
  return { file, error: { code, message } };
}

/** Read and check one batch; serve the good images together, and one by one only if an image fails in there. */
async function serveBatch(files: string[], o: ServeFilesOptions, core: ServingCore, ref?: string) {
  const out: Outcome[] = [];
  const good: Array<{ at: number; bytes: Buffer }> = [];
  await Promise.all(
    files.map(async (file, at) => {
      try {
        const bytes = await readFile(file);
        assertAllowedImage(bytes);
        good.push({ at, bytes });
      } catch (err) {
        out[at] = failure(file, err);
      }
    }),
  );
  good.sort((a, b) => a.at - b.at);
  try {
    const rows = good.length
      ? await o.serve(
          core,
          good.map((g) => g.bytes),
          ref,
        )
      : [];
    for (const [i, g] of good.entries()) out[g.at] = { file: files[g.at]!, row: rows[i]! };
  } catch (err) {
    if (!isImageError(err)) throw err;
    for (const g of good) {
      const row = await o.serve(core, [g.bytes], ref).catch((e: unknown) => {
        if (!isImageError(e)) throw e;
        return e;
      });
      out[g.at] = Array.isArray(row) ? { file: files[g.at]!, row: row[0]! } : failure(files[g.at]!, row);
    }
  }
  return out;
}

function jsonLine(r: Outcome): string {
  if ("error" in r) return JSON.stringify({ file: r.file, error: r.error });
  return JSON.stringify({ file: r.file, model: r.row.model, version: r.row.version, ...r.row.fields });
}

function tableCells(r: Outcome, o: ServeFilesOptions): string[] {
  if ("error" in r) return [r.file, `error [${r.error.code}]: ${r.error.message}`];
  return [r.file, ...o.cells(r.row)];
}

/**
 * Serve `files` in batches of `batchSize` and print each file's result.
 * @example
 * await serveFiles(["a.jpg", "b.jpg"], { batchSize: 16, serve, columns: ["DIM"], cells: (r) => [String(r.fields.dim)] });
 */
export async function serveFiles(files: readonly string[], o: ServeFilesOptions): Promise<void> {
  const config = loadConfig("api");
  const target = await resolveCliModel(o.model, o.store, config);
  const core = new ServingCore({ store: target.store, ...servingCoreOptions(config) });
  const json = wantsJson(o.json);
  const bar = process.stderr.isTTY === true;
  const cells: string[][] = [];
  let failed = 0;
  try {
    for (let start = 0; start < files.length; start += o.batchSize) {
      const batch = await serveBatch(files.slice(start, start + o.batchSize), o, core, target.ref);
      failed += batch.filter((r) => "error" in r).length;
      if (json) process.stdout.write(`${batch.map(jsonLine).join("\n")}\n`);
      else cells.push(...batch.map((r) => tableCells(r, o)));
      const done = Math.min(files.length, start + o.batchSize);
      if (bar) process.stderr.write(`\r[${barGlyphs(done, files.length)}] ${done}/${files.length} files`);
    }
  } finally {
    if (bar) process.stderr.write("\r\x1b[K");
    await core.close();
  }
  if (!json) process.stdout.write(`${table(cells, ["FILE", ...o.columns])}\n`);
  if (failed > 0) {
    process.stderr.write(`residual: ${failed} of ${files.length} files failed\n`);
    process.exitCode = 1;
  }
}
