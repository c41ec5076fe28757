/**
 * The one body of `residual embed` and `residual classify`: a serving core from the API's configuration over the
 * command's store, the image files read, one call, the answer as a JSON line, the core closed.
 */
import { readFile } from "node:fs/promises";
import { loadConfig, servingCoreOptions } from "../config/load-config.js";
import type { ImageRef } from "../serving/api/api-request.js";
import { ServingCore } from "../serving/serving-core.js";
import { openCliStore } from "./store-option.js";

/**
 * Run `call` on a fresh serving core with `files` as request images and print its answer.
 * @example
 * await serveFiles(o.store, files, (core, images) => core.embed({ images, normalize: true, topK: 5 }));
 */
export async function serveFiles(
  storeFlag: string | undefined,
  files: readonly string[],
  call: (core: ServingCore, images: ImageRef[]) => Promise<unknown>,
): Promise<void> {
  const config = loadConfig("api");
  const core = new ServingCore({ store: openCliStore(storeFlag, config), ...servingCoreOptions(config) });
  try {
    const images = await Promise.all(files.map(async (f) => ({ bytes: await readFile(f) })));
    process.stdout.write(`${JSON.stringify(await call(core, images))}\n`);
  } finally {
    await core.close();
  }
}
