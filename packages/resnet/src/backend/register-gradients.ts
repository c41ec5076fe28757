/**
 * tfjs-core ships its gradient functions only as unbundled ESM (`dist/register_all_gradients.js`) whose relative
 * imports have no file extensions: bundlers and vitest resolve them, plain Node does not (ERR_MODULE_NOT_FOUND /
 * ERR_UNSUPPORTED_DIR_IMPORT). Without them no model can train. A resolve hook scoped to tfjs-core's `dist/`
 * retries such imports with `.js` and `/index.js`; the loaded modules share tfjs's global engine and registries.
 */
import { register } from "node:module";
import * as tf from "@tensorflow/tfjs-core";

const HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!specifier.startsWith(".") || !context.parentURL?.includes("/@tensorflow/tfjs-core/dist/")) throw error;
    for (const suffix of [".js", "/index.js"]) {
      try { return await next(specifier + suffix, context); } catch {}
    }
    throw error;
  }
}`;

let hookRegistered = false;

/** True when tfjs-core's gradients are registered (Conv2D is one of them). */
export function gradientsRegistered(): boolean {
  return tf.getGradient(tf.Conv2D) !== undefined;
}

/**
 * Registers all of tfjs-core's gradient functions once per process (a no-op when already registered).
 *
 * @example
 * ```ts
 * await ensureGradients();
 * const { grads } = tf.variableGrads(() => loss());
 * ```
 */
export async function ensureGradients(): Promise<void> {
  if (gradientsRegistered()) return;
  if (!hookRegistered) {
    register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
    hookRegistered = true;
  }
  await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
}
