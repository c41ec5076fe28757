/** Cross-entropy with label smoothing, as torch's `F.cross_entropy(logits, y, label_smoothing=ε)`. */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Mean over the batch of `(1 − ε)·(−log p_y) + ε·mean_k(−log p_k)`, i.e. the target is `(1 − ε)·onehot + ε/K`.
 * Returns a scalar the caller owns; call inside `tf.tidy` (or dispose it).
 *
 * @example
 * const loss = tf.tidy(() => smoothedCrossEntropy(logits, labels, 0.1));
 */
export function smoothedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, smoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.cast(labels, "int32"), k);
    const nll = tf.neg(tf.sum(tf.mul(onehot, logp), 1));
    if (smoothing === 0) return tf.mean(nll) as tf.Scalar;
    const uniform = tf.neg(tf.mean(logp, 1));
    return tf.mean(tf.add(tf.mul(nll, 1 - smoothing), tf.mul(uniform, smoothing))) as tf.Scalar;
  });
}
