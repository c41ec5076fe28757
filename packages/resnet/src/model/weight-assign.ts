import * as tf from "@tensorflow/tfjs-core";
import { type MisshapedWeight, WeightsMismatchError } from "../errors.js";

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Copy `source` into `target` by name after checking both sides match exactly; on any mismatch nothing is written
 * and one {@link WeightsMismatchError} lists every missing, unexpected and misshaped key. The caller keeps
 * ownership of the source tensors.
 *
 * @example
 * ```ts
 * assignWeights(model.namedWeights(), { "fc.bias": tf.zeros([10]) }); // throws: everything else is missing
 * ```
 */
export function assignWeights(
  target: ReadonlyMap<string, tf.Variable>,
  source: ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>,
): void {
  const entries = source instanceof Map ? new Map(source) : new Map(Object.entries(source));
  const missing = [...target.keys()].filter((k) => !entries.has(k));
  const unexpected = [...entries.keys()].filter((k) => !target.has(k));
  const misshaped: MisshapedWeight[] = [];
  for (const [name, v] of target) {
    const t = entries.get(name);
    if (t && !sameShape(t.shape, v.shape))
      misshaped.push({ name, expected: [...v.shape], actual: [...t.shape] });
  }
  if (missing.length > 0 || unexpected.length > 0 || misshaped.length > 0) {
    throw new WeightsMismatchError(missing, unexpected, misshaped);
  }
  tf.tidy(() => {
    for (const [name, v] of target) {
      const t = entries.get(name)!;
      v.assign(t.dtype === "float32" ? t : tf.cast(t, "float32"));
    }
  });
}
