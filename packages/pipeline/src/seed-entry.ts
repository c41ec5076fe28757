/**
 * `@residual/pipeline/seed`: what the backbone-seeding Lambda (the deploy-time custom resource) needs: the worker
 * configuration, the object store and {@link seedBackbones}, without the serving engines, the trainer or the
 * SQS/Batch clients (see `serving-entry.ts` for why entry points matter to a bundle).
 */
export { type Config, loadConfig } from "./config/load-config.js";
export { isResidualError } from "./errors.js";
export { type SeededBackbone, seedBackbones } from "./registry/seed-backbones.js";
export { openObjectStore } from "./store/open-object-store.js";
