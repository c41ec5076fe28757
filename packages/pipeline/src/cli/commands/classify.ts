/**
 * `residual classify <images...> [--model name[@version]|dir] [--top-k 5] [--threshold p] [--batch-size 16]
 * [--json]`: class scores per file, as JSON Lines (`--json` or a pipe) or a table on a terminal.
 */

import type { Command } from "commander";
import { z } from "zod";
import { InvalidInputError } from "../../errors.js";
import type { ClassifyResult } from "../../serving/shape-results.js";
import { type FileRow, serveFiles } from "../serve-files.js";
import { withStoreOption } from "../store-option.js";

const Opts = z.object({
  store: z.string().optional(),
  model: z.string().optional(),
  topK: z.coerce.number().int().min(1).default(5),
  threshold: z.coerce.number().min(0).max(1).optional(),
  batchSize: z.coerce.number().int().min(1).max(32).default(16),
  json: z.boolean().optional(),
});

function cells(row: FileRow): string[] {
  const r = row.fields as unknown as ClassifyResult;
  const top = r.predictions.map((p) => `${p.label} ${p.score.toFixed(3)}`).join(", ");
  return [r.unknown ? "unknown" : (r.predictions[0]?.label ?? ""), top];
}

/**
 * Register `classify`.
 * @example
 * // residual classify a.jpg b.jpg --model ./out --json
 * register(program);
 */
export function register(program: Command): void {
  withStoreOption(program.command("classify <images...>").description("classify image files with a model"))
    .option("--model <model>", "name[@version] in --store, or a directory written by `residual train --out`")
    .option("--top-k <k>", "predictions per image", "5")
    .option("--threshold <p>", "max-softmax under which an image is unknown")
    .option("--batch-size <n>", "images per batch (1-32)", "16")
    .option("--json", "JSON Lines, one {file, model, version, predictions, unknown} per file")
    .action(async (files: string[], raw: unknown) => {
      const parsed = Opts.safeParse(raw);
      if (!parsed.success)
        throw new InvalidInputError("invalid_options", `classify: ${parsed.error.message}`);
      const o = parsed.data;
      await serveFiles(files, {
        ...o,
        columns: ["LABEL", "TOP"],
        cells,
        serve: async (core, images, model) => {
          const res = await core.classify({
            ...(model ? { model } : {}),
            images: images.map((bytes) => ({ bytes })),
            normalize: true,
            topK: o.topK,
            ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
          });
          return res.results.map((r) => ({ model: res.model, version: res.version, fields: { ...r } }));
        },
      });
    });
}
