/** `residual embed <images...> [--model name[@version]] [--no-normalize]`: embeddings as JSON, no server needed. */

import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { loadConfig, servingCoreOptions } from "../../config/load-config.js";
import { ServingCore } from "../../serving/serving-core.js";
import { openCliStore, withStoreOption } from "../store-option.js";

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
    .action(async (files: string[], o: Opts) => {
      const config = loadConfig("api");
      const core = new ServingCore({ store: openCliStore(o.store, config), ...servingCoreOptions(config) });
      try {
        const images = await Promise.all(files.map(async (f) => ({ bytes: await readFile(f) })));
        const res = await core.embed({
          ...(o.model ? { model: o.model } : {}),
          images,
          normalize: o.normalize,
          topK: 5,
        });
        process.stdout.write(`${JSON.stringify(res)}\n`);
      } finally {
        await core.close();
      }
    });
}
