/** One optimisation step: forward in training mode, label-smoothed loss, gradients, optimizer update. */

import type { ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import type { BodyStage } from "../prefix-cache/prefix-cache.js";
import { topkCounts } from "../reports/metrics.js";
import type { GroupOptimizer } from "./group-optimizer.js";
import { smoothedCrossEntropy } from "./loss.js";

export interface StepInput {
  /** Images, or cached activations after `stage` when `stage` is set. */
  x: tf.Tensor4D;
  stage: BodyStage | undefined;
  labels: number[];
  numClasses: number;
  lr: number;
  labelSmoothing: number;
}

export interface StepResult {
  loss: number;
  top1: number;
  top5: number;
}

/**
 * Runs one step and reads back the loss and the batch's top-1/top-5 counts. Disposes everything it creates
 * (not `input.x`, which the caller owns).
 *
 * @example
 * const r = await trainStep(model, opt, { x, stage: "layer4", labels, numClasses: 10, lr: 0.01, labelSmoothing: 0 });
 */
export async function trainStep(
  model: ResNet,
  optimizer: GroupOptimizer,
  input: StepInput,
): Promise<StepResult> {
  const y = tf.tensor1d(input.labels, "int32");
  let logits: tf.Tensor2D | undefined;
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
  try {
    result = tf.variableGrads(() => {
      const out = input.stage
        ? model.forwardFrom(input.x, input.stage, { training: true })
        : model.forward(input.x, { training: true });
      logits = tf.keep(out.logits);
      return smoothedCrossEntropy(out.logits, y, input.labelSmoothing);
    }, optimizer.variables());
    optimizer.step(result.grads, input.lr);
    const loss = (await result.value.data())[0]!;
    const counts = topkCounts((await logits!.data()) as Float32Array, input.labels, input.numClasses);
    return { loss, ...counts };
  } finally {
    tf.dispose([y, ...(logits ? [logits] : [])]);
    if (result) tf.dispose([result.value, ...Object.values(result.grads)]);
  }
}
