/** Numeric helpers shared by the export parity tests. */

import type { ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";

/** Random BN statistics and affine params, so folding is exercised (fresh BNs are identity-ish). */
export function randomiseNorms(model: ResNet, seed: number): void {
  let s = seed;
  tf.tidy(() => {
    for (const [name, v] of model.namedWeights()) {
      s += 1;
      const shape = v.shape;
      if (name.endsWith("running_var")) v.assign(tf.randomUniform(shape, 0.5, 1.5, "float32", s));
      else if (name.endsWith("running_mean")) v.assign(tf.randomUniform(shape, -0.2, 0.2, "float32", s));
      else if (/bn\d\.weight$|downsample\.1\.weight$/.test(name))
        v.assign(tf.randomUniform(shape, 0.5, 1.5, "float32", s));
      else if (/bn\d\.bias$|downsample\.1\.bias$/.test(name))
        v.assign(tf.randomUniform(shape, -0.2, 0.2, "float32", s));
    }
  });
}

/** max |ref − got| / max |ref|: relative to the activation's scale, so ReLU zeros do not blow it up. */
export function maxRelDiff(ref: Float32Array, got: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ref[i]! - got[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / scale;
}
