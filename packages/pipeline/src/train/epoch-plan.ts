/** Pure per-epoch decisions of the loop: the shuffled batches of an epoch and the early-stopping update. */
import { createRng, permutation } from "../preprocess/random.js";
import type { EpochRecord, LoopState } from "./checkpoint.js";
import type { EarlyStoppingSpec } from "./job-spec.js";

/**
 * Batches of epoch `epoch`'s shuffled order (keyed by seed and epoch, so a resumed run sees the same order);
 * a trailing batch of one is dropped (training-mode BatchNorm needs two).
 *
 * @example
 * epochBatches(10, 4, 0, 0); // three batches: 4, 4, 2 indices
 */
export function epochBatches(n: number, batchSize: number, seed: number, epoch: number): number[][] {
  const order = permutation(n, createRng(seed, "shuffle", epoch));
  const batches: number[][] = [];
  for (let i = 0; i < n; i += batchSize)
    batches.push(Array.from(order.subarray(i, Math.min(n, i + batchSize))));
  if (batches.length > 1 && batches[batches.length - 1]!.length === 1) batches.pop();
  return batches;
}

/**
 * The early-stopping state after `rec`: val loss must fall (or val top-1 rise) by more than `minDelta` to count
 * as an improvement; `stop` once `patience` epochs in a row did not improve.
 *
 * @example
 * const { early, stop } = earlyStopping(spec.earlyStopping, state.early, record);
 */
export function earlyStopping(
  es: EarlyStoppingSpec,
  e: LoopState["early"],
  rec: EpochRecord,
): { early: LoopState["early"]; stop: boolean } {
  if (!es) return { early: e, stop: false };
  const value = es.monitor === "val_loss" ? rec.valLoss : -rec.valTop1;
  const early =
    e.best === null || value < e.best - es.minDelta
      ? { best: value, bestEpoch: rec.epoch, bad: 0 }
      : { ...e, bad: e.bad + 1 };
  return { early, stop: early.bad >= es.patience };
}
