import * as tf from "@tensorflow/tfjs-core";

/** A deterministic NHWC batch. */
export function batch(n: number, size: number, channels = 3, seed = 5): tf.Tensor4D {
  return tf.randomNormal([n, size, size, channels], 0, 1, "float32", seed) as tf.Tensor4D;
}

/** Snapshot of variables' values by name (plain arrays, so later assigns cannot alias them). */
export function snapshot(weights: ReadonlyMap<string, tf.Tensor>, filter: (name: string) => boolean) {
  return new Map([...weights].filter(([n]) => filter(n)).map(([n, v]) => [n, Array.from(v.dataSync())]));
}

/** max |a - b| over two tensors of the same shape. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Tensors alive after `fn` minus before; fn's own results must be disposed inside it. */
export function leaked(fn: () => void): number {
  const before = tf.memory().numTensors;
  fn();
  return tf.memory().numTensors - before;
}

/** Dispose both tensors of a forward result. */
export function disposeResult(r: { features: tf.Tensor; logits: tf.Tensor }): void {
  tf.dispose([r.features, r.logits]);
}
