/** `residual classify <images...> --model name[@version] [--top-k 5] [--threshold p]`: class scores as JSON. */

import type { Command } from "commander";
import { z } from "zod";
import { InvalidInputError } from "../../errors.js";
import { serveFiles } from "../serve-files.js";
import { withStoreOption } from "../store-option.js";

const Opts = z.object({
  store: z.string().optional(),
  model: z.string().optional(),
  topK: z.coerce.number().int().min(1).default(5),
  threshold: z.coerce.number().min(0).max(1).optional(),
});

export function register(program: Command): void {
  withStoreOption(program.command("classify <images...>").description("classify image files with a model"))
    .option("--model <ref>", "name[@version]")
    .option("--top-k <k>", "predictions per image", "5")
    .option("--threshold <p>", "max-softmax under which an image is unknown")
    .action(async (files: string[], raw: unknown) => {
      const parsed = Opts.safeParse(raw);
      if (!parsed.success)
        throw new InvalidInputError("invalid_options", `classify: ${parsed.error.message}`);
      const o = parsed.data;
      await serveFiles(o.store, files, (core, images) =>
        core.classify({
          ...(o.model ? { model: o.model } : {}),
          images,
          normalize: true,
          topK: o.topK,
          ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
        }),
      );
    });
}
