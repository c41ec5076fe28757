/** The early-stopping update of the loop: improvement by `minDelta`, stop after `patience` epochs without. */
import type { EpochRecord, LoopState } from "../checkpoints/checkpoint.js";
import type { EarlyStoppingSpec } from "../job-spec.js";

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
