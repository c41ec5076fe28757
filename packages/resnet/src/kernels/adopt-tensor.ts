/**
 * Kernels receive bare `TensorInfo`s. To compose them from fast tfjs ops we need real tensors that share the
 * input's memory without taking ownership: a same-shape `Reshape` through the engine does exactly that (the
 * backend bumps the buffer's refCount), so disposing the adopted tensor never frees the caller's input.
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * A tracked tensor view of a kernel input. Dispose it (or create it inside `tf.tidy`); the input stays alive.
 *
 * @example
 * ```ts
 * const kernelFunc: tf.KernelFunc = ({ inputs }) => tf.tidy(() => tf.relu(adoptTensor(inputs.x!)));
 * ```
 */
export function adoptTensor(info: tf.TensorInfo): tf.Tensor {
  // runKernel is typed for tensors but accepts any TensorInfo, as kernels themselves do.
  const inputs = { x: info } as unknown as tf.NamedTensorMap;
  return tf.engine().runKernel(tf.Reshape, inputs, { shape: [...info.shape] }) as tf.Tensor;
}
