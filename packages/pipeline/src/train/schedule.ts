/**
 * Learning-rate schedules: multistep or cosine, after an optional linear warmup (Goyal et al., 2017: ramp the
 * rate linearly over the first epochs so large-batch SGD does not diverge early).
 */
import type { ScheduleSpec } from "./job-spec.js";

export interface LrScheduleOptions {
  baseLr: number;
  epochs: number;
  warmupEpochs: number;
  schedule: ScheduleSpec;
}

/**
 * The learning rate for progress `t`, in epochs (fractional): the trainer passes `epoch + (step + 1) / steps`,
 * so the first step of a warmup uses a small non-zero rate and the last warmup step reaches `baseLr`.
 * Multistep multiplies by `gamma` once per milestone reached; cosine anneals from `baseLr` at the end of warmup
 * to `minLr` at `epochs`.
 *
 * @example
 * const lr = learningRate({ baseLr: 0.1, epochs: 90, warmupEpochs: 5,
 *   schedule: { type: "multistep", milestones: [30, 60], gamma: 0.1 } }, 45); // 0.01
 */
export function learningRate(opts: LrScheduleOptions, t: number): number {
  const { baseLr, epochs, warmupEpochs, schedule } = opts;
  const warm = warmupEpochs > 0 && t < warmupEpochs ? t / warmupEpochs : 1;
  if (schedule.type === "multistep") {
    const passed = schedule.milestones.filter((m) => t >= m).length;
    return baseLr * schedule.gamma ** passed * warm;
  }
  const span = Math.max(epochs - warmupEpochs, 1e-9);
  const progress = Math.min(Math.max((t - warmupEpochs) / span, 0), 1);
  const cos = schedule.minLr + (baseLr - schedule.minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  return cos * warm;
}
