/**
 * `residual embed <images...> [--model name[@version]|dir] [--no-normalize] [--batch-size 16] [--json]`:
 * one embedding per file, as JSON Lines (`--json` or a pipe) or a table on a terminal; no server needed.
 */

import type { Command } from "commander";
import { z } from "zod";
import { InvalidInputError } from "../../errors.js";
import { type FileRow, serveFiles } from "../serve-files.js";
import { withStoreOption } from "../store-option.js";

const Opts = z.object({
  store: z.string().optional(),
  model: z.string().optional(),
  normalize: z.boolean().default(true),
  batchSize: z.coerce.number().int().min(1).max(32).default(16),
  json: z.boolean().optional(),
});

function cells(row: FileRow): string[] {
  const e = row.fields.embedding as number[];
  const head = e.slice(0, 4).map((v) => v.toFixed(4));
  return [String(e.length), Math.hypot(...e).toFixed(4), `[${head.join(", ")}${e.length > 4 ? ", …" : ""}]`];
}

/**
 * Register `embed`.
 * @example
 * // residual embed a.jpg b.jpg --model flowers --json
 * register(program);
 */
export function register(program: Command): void {
  withStoreOption(
    program.command("embed <images...>").description("embed image files with a model or the backbone"),
  )
    .option(
      "--model <model>",
      "name[@version] in --store, or a directory written by `residual train --out` (default: the backbone)",
    )
    .option("--no-normalize", "raw (not L2-normalised) features")
    .option("--batch-size <n>", "images per batch (1-32)", "16")
    .option("--json", "JSON Lines, one {file, model, version, dim, embedding} per file")
    .action(async (files: string[], raw: unknown) => {
      const parsed = Opts.safeParse(raw);
      if (!parsed.success) throw new InvalidInputError("invalid_options", `embed: ${parsed.error.message}`);
      const o = parsed.data;
      await serveFiles(files, {
        ...o,
        columns: ["DIM", "NORM", "EMBEDDING"],
        cells,
        serve: async (core, images, model) => {
          const res = await core.embed({
            ...(model ? { model } : {}),
            images: images.map((bytes) => ({ bytes })),
            normalize: o.normalize,
            topK: 5,
          });
          return res.embeddings.map((embedding) => ({
            model: res.model,
            version: res.version,
            fields: { dim: res.dim, embedding },
          }));
        },
      });
    });
}
