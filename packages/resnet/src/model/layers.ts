import * as tf from "@tensorflow/tfjs-core";
import type { ConvSpec } from "./plan.js";

/** Torch-style symmetric padding; tfjs 'same' pads bottom/right first on stride 2 and breaks parity. */
function explicitPad(p: number): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
}

/**
 * Bias-free convolution with torch padding. tf.conv2d has no `groups`, so a grouped conv runs one conv per group
 * on channel slices and concatenates: the same FLOPs, but `groups` kernel launches plus a split and a concat per
 * call (ResNeXt's 32 groups make its 3x3 convs several times slower per FLOP than a dense conv).
 *
 * @example
 * ```ts
 * const y = conv2d(x, w, { name: "conv1", kernel: 7, stride: 2, pad: 3, inChannels: 3, outChannels: 64, groups: 1 });
 * ```
 */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, s: ConvSpec): tf.Tensor4D {
  const pad = explicitPad(s.pad);
  if (s.groups === 1) return tf.conv2d(x, w, s.stride, pad);
  const xs = tf.split(x, s.groups, 3) as tf.Tensor4D[];
  const ws = tf.split(w, s.groups, 3) as tf.Tensor4D[];
  const ys = xs.map((xi, i) => tf.conv2d(xi, ws[i]!, s.stride, pad));
  return tf.concat(ys, 3) as tf.Tensor4D;
}

/** Torch `MaxPool2d(3, 2, 1)`: padded cells never win (tfjs pools skip them, i.e. -inf padding). */
export function maxPool3x3(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 3, 2, explicitPad(1));
}

/** BatchNorm tensors by role. */
export interface BatchNormParams {
  weight: tf.Variable;
  bias: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/**
 * BatchNorm in inference form: moving statistics folded into one scale and shift per channel.
 *
 * @example
 * ```ts
 * const y = batchNormInference(x, params, 1e-5);
 * ```
 */
export function batchNormInference(x: tf.Tensor4D, p: BatchNormParams, eps: number): tf.Tensor4D {
  const scale = tf.mul(p.weight, tf.rsqrt(tf.add(p.runningVar, eps)));
  const shift = tf.sub(p.bias, tf.mul(p.runningMean, scale));
  return tf.add(tf.mul(x, scale), shift);
}

/**
 * BatchNorm in training form, as torch: normalise with the biased batch variance, then update the moving mean and
 * the moving variance with the UNBIASED batch variance, `moving = (1-m)·moving + m·batch`. Built from basic ops
 * because tf.batchNorm's gradient goes through Tile, slow on wasm.
 *
 * @example
 * ```ts
 * const y = batchNormTraining(x, params, 1e-5, 0.1);
 * ```
 */
export function batchNormTraining(
  x: tf.Tensor4D,
  p: BatchNormParams,
  eps: number,
  momentum: number,
): tf.Tensor4D {
  const mean = tf.mean(x, [0, 1, 2]);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), [0, 1, 2]);
  const y = tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), p.weight), p.bias);
  const [n, h, w] = x.shape;
  const count = n * h * w;
  const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
  // Moving statistics are buffers, not part of the graph: assign detached values.
  p.runningMean.assign(tf.tidy(() => tf.add(tf.mul(p.runningMean, 1 - momentum), tf.mul(mean, momentum))));
  p.runningVar.assign(tf.tidy(() => tf.add(tf.mul(p.runningVar, 1 - momentum), tf.mul(unbiased, momentum))));
  return y as tf.Tensor4D;
}

/**
 * Torch `GroupNorm(groups, C, eps)`: statistics per sample over (H, W, C/groups), the same in training and eval.
 *
 * @example
 * ```ts
 * const y = groupNorm(x, gamma, beta, 32, 1e-5);
 * ```
 */
export function groupNorm(
  x: tf.Tensor4D,
  weight: tf.Variable,
  bias: tf.Variable,
  groups: number,
  eps: number,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [n, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
  const normed = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(tf.reshape(normed, [n, h, w, c]), weight), bias);
}
