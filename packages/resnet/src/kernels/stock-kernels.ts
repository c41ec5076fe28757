/**
 * The stock tfjs-backend-wasm kernels that Residual's replace, kept so that they can be restored and so that our
 * kernels can hand the cases where stock is faster back to them. A stock kernel replaced before the backend
 * initialised never had its `setupFunc` run (tfjs runs those only at initialisation), so it is set up here, once
 * per backend instance, before first use.
 */
import type * as tf from "@tensorflow/tfjs-core";

const stock = new Map<string, tf.KernelConfig>();
const setUp = new Map<string, WeakSet<object>>();

/**
 * Remembers the stock kernel that Residual's kernel of the same name replaces.
 *
 * @example
 * ```ts
 * rememberStockKernel(tf.getKernel("Sum", "wasm")!);
 * ```
 */
export function rememberStockKernel(config: tf.KernelConfig): void {
  stock.set(config.kernelName, config);
  setUp.set(config.kernelName, new WeakSet());
}

/**
 * Takes the remembered stock kernel back (to re-register it); undefined when there was none.
 *
 * @example
 * ```ts
 * const config = takeStockKernel("Sum"); if (config) tf.registerKernel(config);
 * ```
 */
export function takeStockKernel(kernelName: string): tf.KernelConfig | undefined {
  const config = stock.get(kernelName);
  stock.delete(kernelName);
  setUp.delete(kernelName);
  return config;
}

/**
 * Runs the remembered stock kernel on `args` (setting it up for this backend first if needed); undefined when
 * no stock kernel is remembered under that name.
 *
 * @example
 * ```ts
 * const out = runStockKernel("Sum", args) ?? ourSum(args);
 * ```
 */
export function runStockKernel(
  kernelName: string,
  args: Parameters<tf.KernelFunc>[0],
): ReturnType<tf.KernelFunc> | undefined {
  const config = stock.get(kernelName);
  if (config === undefined) return undefined;
  const ready = setUp.get(kernelName)!;
  if (!ready.has(args.backend)) {
    config.setupFunc?.(args.backend);
    ready.add(args.backend);
  }
  return config.kernelFunc(args);
}
