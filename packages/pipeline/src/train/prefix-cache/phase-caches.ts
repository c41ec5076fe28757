/**
 * The frozen-prefix caches of one phase: one prefix runner (ONNX Runtime, or tfjs as the fallback) shared by the
 * train cache (augmented views) and the val cache (eval transform). A phase that moves the frozen boundary gets
 * new caches and a new runner, since the runner holds a snapshot of the prefix weights.
 */
import type { ResNet } from "@residual/resnet";
import type { TrainingData } from "../image-sets.js";
import { type BodyStage, PrefixCache } from "./prefix-cache.js";
import { createPrefixRunner, type PrefixEngine, type PrefixRunner } from "./prefix-runner.js";

export interface PhaseCachesOptions {
  /** Augmented views per training image (1 without augmentation). */
  views: number;
  budgetBytes?: number;
  engine?: PrefixEngine;
  log?: (line: string) => void;
  /** ONNX Runtime intra-op threads; unset: the faster of the machine's cores and 1, measured per batch. */
  threads?: number;
}

export interface PhaseCaches {
  stage: BodyStage;
  runner: PrefixRunner;
  train: PrefixCache;
  /** Undefined when the validation set alone does not fit the default budget. */
  val?: PrefixCache;
  /** Drop the entries and release the runner; idempotent. */
  dispose(): Promise<void>;
}

/**
 * Caches after `stage` for `data`, or undefined when the training set does not fit the budget even in float16
 * (the trainer then recomputes the prefix every step).
 *
 * @example
 * const caches = await createPhaseCaches(model, "layer4", data, { views: 4 });
 * const h = await caches?.train.batch([0, 1], epoch); // caller disposes h
 * await caches?.dispose();
 */
export async function createPhaseCaches(
  model: ResNet,
  stage: BodyStage,
  data: TrainingData,
  o: PhaseCachesOptions,
): Promise<PhaseCaches | undefined> {
  const { imageSize, channels } = data.train;
  const runner = await createPrefixRunner(model, stage, {
    imageSize,
    channels,
    ...(o.engine ? { engine: o.engine } : {}),
    ...(o.log ? { log: o.log } : {}),
    ...(o.threads ? { threads: o.threads } : {}),
  });
  const train = await PrefixCache.create(model, stage, data.train, {
    views: o.views,
    augment: data.augment,
    runner,
    ...(o.budgetBytes !== undefined ? { budgetBytes: o.budgetBytes } : {}),
  });
  if (!train) {
    await runner.dispose();
    return undefined;
  }
  const val = await PrefixCache.create(model, stage, data.val, { views: 1, augment: false, runner });
  return {
    stage,
    runner,
    train,
    val,
    async dispose() {
      train.dispose();
      val?.dispose();
      await runner.dispose();
    },
  };
}
