import * as tf from "@tensorflow/tfjs-core";
import type { ParamSpec } from "./plan.js";

/** How variables are first filled: torch's initialisation, or zeros when a checkpoint will overwrite them. */
export type InitMode = "random" | "zeros";

/**
 * A 31-bit base seed; used when the caller gives none, so two unseeded models differ.
 *
 * @example
 * ```ts
 * const seed = randomSeed();
 * ```
 */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/**
 * Per-tensor seed: distinct streams for every weight, stable for a given base seed and position. Never 0: tfjs's
 * random ops treat a falsy seed as none and draw from Math.random (base seed 0, the job spec's default, made the
 * first tensor, conv1, differ on every run).
 */
function tensorSeed(base: number, index: number): number {
  return (base * 1_000_003 + index * 7_919) % 2_147_483_647 || 0x5eed;
}

/**
 * Initial value of one tensor, as torchvision's `ResNet.__init__`: Kaiming normal (fan_out, relu) for convs, where
 * torch's fan_out is `out·kh·kw` whatever the groups; norm γ=1 (0 for zero-init residual), β=0; running mean 0,
 * var 1; fc keeps nn.Linear's default, kaiming_uniform(a=√5) which is U(±1/√fan_in), for weight and bias alike.
 *
 * @example
 * ```ts
 * const t = initialValue({ name: "fc.bias", shape: [10], role: "fc_bias", stage: "fc", trainable: true }, 7, 0);
 * ```
 */
export function initialValue(
  p: ParamSpec,
  seed: number,
  index: number,
  mode: InitMode = "random",
): tf.Tensor {
  const s = tensorSeed(seed, index);
  if (mode === "zeros") return tf.zeros(p.shape);
  switch (p.role) {
    case "conv": {
      const [kh, kw, , out] = p.shape as [number, number, number, number];
      return tf.randomNormal(p.shape, 0, Math.sqrt(2 / (kh * kw * out)), "float32", s);
    }
    case "norm_weight":
      return p.zeroInit ? tf.zeros(p.shape) : tf.ones(p.shape);
    case "norm_bias":
    case "running_mean":
      return tf.zeros(p.shape);
    case "running_var":
      return tf.ones(p.shape);
    case "fc_weight":
    case "fc_bias": {
      // fan_in of the fc is featureDim: weight is [in, out]; the bias shares the weight's bound.
      const bound = 1 / Math.sqrt(p.fanIn ?? p.shape[0]!);
      return tf.randomUniform(p.shape, -bound, bound, "float32", s);
    }
  }
}
