/**
 * `@residual/pipeline/dispatch`: what the dispatcher Lambda needs (S3 event → claimed job → Batch), without the
 * trainer, tfjs or the serving engines (see `serving-entry.ts` for why entry points matter to a bundle).
 */
export { type Config, loadConfig } from "./config/load-config.js";
export { batchSubmitter, dispatchMessage } from "./jobs/dispatcher.js";
export { openObjectStore } from "./store/open-object-store.js";
