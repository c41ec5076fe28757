/**
 * Registers Residual's wasm training kernels over tfjs-backend-wasm's (idempotent). tfjs keeps one kernel per
 * (name, backend) in a global registry, so an existing kernel is unregistered first and remembered, which lets
 * {@link unregisterWasmTrainingKernels} put the stock kernel back (benchmarks compare the two).
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2DBackpropFilterWasm } from "./conv2d-backprop-filter.js";
import { conv2DBackpropInputWasm } from "./conv2d-backprop-input.js";
import { maxPoolGradWasm } from "./max-pool-grad.js";
import { meanWasm, sumWasm } from "./reduce-sum-mean.js";
import { rememberStockKernel, takeStockKernel } from "./stock-kernels.js";

/** Our kernels by kernel name. */
const KERNELS: ReadonlyArray<readonly [string, tf.KernelFunc]> = [
  [tf.Conv2DBackpropFilter, conv2DBackpropFilterWasm],
  [tf.Conv2DBackpropInput, conv2DBackpropInputWasm],
  [tf.MaxPoolGrad, maxPoolGradWasm],
  [tf.Sum, sumWasm],
  [tf.Mean, meanWasm],
];

/**
 * Registers every wasm training kernel; safe to call repeatedly. Returns the kernel names now served by Residual.
 *
 * @example
 * ```ts
 * await import("@tensorflow/tfjs-backend-wasm");
 * registerWasmTrainingKernels(); // ["Conv2DBackpropFilter", "Conv2DBackpropInput", …]
 * ```
 */
export function registerWasmTrainingKernels(): string[] {
  for (const [kernelName, kernelFunc] of KERNELS) {
    const current = tf.getKernel(kernelName, "wasm");
    if (current?.kernelFunc === kernelFunc) continue;
    if (current !== undefined) {
      rememberStockKernel(current);
      tf.unregisterKernel(kernelName, "wasm");
    }
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
  }
  return KERNELS.map(([name]) => name);
}

/**
 * Removes our wasm kernels and restores the stock ones they replaced (for A/B benchmarks and tests).
 *
 * @example
 * ```ts
 * unregisterWasmTrainingKernels();
 * tf.getKernel("Conv2DBackpropFilter", "wasm"); // undefined again: stock tfjs-backend-wasm has none
 * ```
 */
export function unregisterWasmTrainingKernels(): void {
  for (const [kernelName, kernelFunc] of KERNELS) {
    if (tf.getKernel(kernelName, "wasm")?.kernelFunc !== kernelFunc) continue;
    tf.unregisterKernel(kernelName, "wasm");
    const stock = takeStockKernel(kernelName);
    if (stock !== undefined) {
      tf.registerKernel(stock);
      // Stock kernels bind their wasm functions in setupFunc, which tfjs runs only at backend initialisation:
      // a kernel replaced before that never got set up, so set it up now.
      const backend = tf.findBackend("wasm");
      if (backend !== null && stock.setupFunc !== undefined) stock.setupFunc(backend);
    }
  }
}

/**
 * Names of the kernels Residual currently serves on wasm (empty before registration).
 *
 * @example
 * ```ts
 * wasmTrainingKernelsRegistered(); // ["Conv2DBackpropFilter", "Conv2DBackpropInput", "MaxPoolGrad", "Sum", "Mean"]
 * ```
 */
export function wasmTrainingKernelsRegistered(): string[] {
  return KERNELS.filter(([name, fn]) => tf.getKernel(name, "wasm")?.kernelFunc === fn).map(([name]) => name);
}
