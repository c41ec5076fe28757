/** `residual embed <images...> [--model name[@version]] [--no-normalize]`: embeddings as JSON, no server needed. */

import type { Command } from "commander";
import { serveFiles } from "../serve-files.js";
import { withStoreOption } from "../store-option.js";

interface Opts {
  store?: string;
  model?: string;
  normalize: boolean;
}

export function register(program: Command): void {
  withStoreOption(
    program.command("embed <images...>").description("embed image files with a model or the backbone"),
  )
    .option("--model <ref>", "name[@version] (default: the backbone $RESIDUAL_DEFAULT_BACKBONE)")
    .option("--no-normalize", "raw (not L2-normalised) features")
    .action((files: string[], o: Opts) =>
      serveFiles(o.store, files, (core, images) =>
        core.embed({ ...(o.model ? { model: o.model } : {}), images, normalize: o.normalize, topK: 5 }),
      ),
    );
}
