/**
 * Eval-mode passes over an example set: per-epoch validation (loss, top-1, top-5) and the final pass that also
 * collects logits and pooled features for the end-of-training metrics, temperature and centroids.
 */

import type { ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import type { ImageSet } from "../image-sets.js";
import { smoothedCrossEntropy } from "../loop/loss.js";
import type { BodyStage, PrefixCache } from "../prefix-cache/prefix-cache.js";
import { topkCounts } from "./metrics.js";

export interface EvalResult {
  loss: number;
  top1: number;
  /** Only with ≥ 5 classes. */
  top5?: number;
  count: number;
  /** `[count, numClasses]` row-major, when `collect` was asked. */
  logits?: Float32Array;
  /** `[count, featureDim]` row-major, when `collect` was asked. */
  features?: Float32Array;
}

export interface EvalOptions {
  batchSize: number;
  /** Frozen-prefix cache of this example set (eval transform), when the prefix is frozen. */
  cache?: PrefixCache;
  collect?: boolean;
  /**
   * Inference-mode logits and features for a batch, instead of the tfjs model (the wasm training engine's
   * forward pass, which holds the weights being trained).
   */
  infer?: (
    x: tf.Tensor4D | Float32Array,
    n: number,
  ) => Promise<{ logits: Float32Array; features: Float32Array }>;
}

async function batchInput(
  examples: ImageSet,
  ix: number[],
  cache: PrefixCache | undefined,
): Promise<tf.Tensor4D> {
  if (cache) return cache.batch(ix, 0);
  const s = examples.imageSize;
  return tf.tensor4d(await examples.load(ix), [ix.length, s, s, examples.channels]);
}

function forwardEval(model: ResNet, x: tf.Tensor4D, stage: BodyStage | undefined) {
  return stage ? model.forwardFrom(x, stage) : model.forward(x);
}

/** Σ over the batch of −log softmax(logits)[label], in f64. */
function crossEntropySum(logits: Float32Array, labels: readonly number[], k: number): number {
  let total = 0;
  labels.forEach((y, i) => {
    const row = logits.subarray(i * k, (i + 1) * k);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    total += Math.log(sum) + max - row[y]!;
  });
  return total;
}

/**
 * Eval-mode loss (plain cross-entropy, no smoothing, so epochs compare across smoothing settings) and accuracy.
 * Leaves no tensors behind.
 *
 * @example
 * const { loss, top1 } = await evaluateExamples(model, data.val, 5, { batchSize: 64 });
 */
export async function evaluateExamples(
  model: ResNet,
  examples: ImageSet,
  numClasses: number,
  opts: EvalOptions,
): Promise<EvalResult> {
  const n = examples.size;
  const logitsOut = opts.collect ? new Float32Array(n * numClasses) : undefined;
  const featuresOut = opts.collect ? new Float32Array(n * model.featureDim) : undefined;
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  const infer = opts.infer;
  for (let start = 0; start < n; start += opts.batchSize) {
    const ix = Array.from({ length: Math.min(opts.batchSize, n - start) }, (_, j) => start + j);
    const labels = ix.map((i) => examples.labels[i]!);
    if (infer) {
      const x = opts.cache ? await opts.cache.batch(ix, 0) : await examples.load(ix);
      try {
        const out = await infer(x, ix.length);
        lossSum += crossEntropySum(out.logits, labels, numClasses);
        const c = topkCounts(out.logits, labels, numClasses);
        top1 += c.top1;
        top5 += c.top5;
        logitsOut?.set(out.logits, start * numClasses);
        featuresOut?.set(out.features, start * model.featureDim);
      } finally {
        if (!(x instanceof Float32Array)) x.dispose();
      }
      continue;
    }
    const x = await batchInput(examples, ix, opts.cache);
    const y = tf.tensor1d(labels, "int32");
    const tensors: tf.Tensor[] = [x, y];
    try {
      const out = forwardEval(model, x, opts.cache?.stage);
      tensors.push(out.features, out.logits);
      const loss = smoothedCrossEntropy(out.logits, y, 0);
      tensors.push(loss);
      const logits = (await out.logits.data()) as Float32Array;
      lossSum += (await loss.data())[0]! * ix.length;
      const c = topkCounts(logits, labels, numClasses);
      top1 += c.top1;
      top5 += c.top5;
      logitsOut?.set(logits, start * numClasses);
      if (featuresOut) featuresOut.set((await out.features.data()) as Float32Array, start * model.featureDim);
    } finally {
      tf.dispose(tensors);
    }
  }
  return {
    loss: n ? lossSum / n : 0,
    top1: n ? top1 / n : 0,
    ...(numClasses >= 5 ? { top5: n ? top5 / n : 0 } : {}),
    count: n,
    ...(logitsOut ? { logits: logitsOut } : {}),
    ...(featuresOut ? { features: featuresOut } : {}),
  };
}
