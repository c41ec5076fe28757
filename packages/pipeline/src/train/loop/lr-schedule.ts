/**
 * Learning-rate schedules: multistep or cosine, after an optional linear warmup (Goyal et al., 2017: ramp the
 * rate linearly over the first epochs so large-batch SGD does not diverge early).
 *
 * Per-step rates follow torch stepping its schedulers once per iteration (global step i = 0 … T−1, W warmup
 * steps): warmup is `LinearLR(start_factor=1/W, total_iters=W−1)`, i.e. step i < W uses (i+1)/W·base (the first
 * step is not zero, the last warmup step is the full rate); cosine is `CosineAnnealingLR(T_max=T−W, eta_min)`,
 * i.e. step i ≥ W uses η_min + (base − η_min)·(1 + cos(π·(i−W)/(T−W)))/2, so the first step after warmup uses the
 * full rate and the LAST step still uses a small positive rate (η_min is reached only at i = T, which never runs;
 * a schedule that reaches η_min = 0 on its last step wastes that step). Multistep is torch's `MultiStepLR`
 * stepped per epoch: epoch e uses base·γ^(milestones ≤ e).
 */
import type { ScheduleSpec } from "../job-spec.js";

export interface LrScheduleOptions {
  baseLr: number;
  epochs: number;
  warmupEpochs: number;
  schedule: ScheduleSpec;
}

/** The decayed rate (no warmup) at progress `t` epochs, measured at the START of a step. */
function decayed(opts: LrScheduleOptions, t: number): number {
  const { baseLr, epochs, warmupEpochs, schedule } = opts;
  if (schedule.type === "multistep") {
    const passed = schedule.milestones.filter((m) => t >= m).length;
    return baseLr * schedule.gamma ** passed;
  }
  const span = Math.max(epochs - warmupEpochs, 1e-9);
  const progress = Math.min(Math.max((t - warmupEpochs) / span, 0), 1);
  return schedule.minLr + (baseLr - schedule.minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** The warmup factor for a step that ENDS at progress `t` epochs. */
function warmupFactor(opts: LrScheduleOptions, t: number): number {
  return opts.warmupEpochs > 0 && t < opts.warmupEpochs ? t / opts.warmupEpochs : 1;
}

/**
 * The learning rate at continuous progress `t` (epochs): warmup factor `t / warmupEpochs` times the decayed rate
 * at `t`. Multistep multiplies by `gamma` once per milestone reached; cosine anneals from `baseLr` at the end of
 * warmup to `minLr` at `epochs`. The trainer uses {@link stepLearningRate}, which evaluates both parts at the
 * step boundaries torch uses.
 *
 * @example
 * const lr = learningRate({ baseLr: 0.1, epochs: 90, warmupEpochs: 5,
 *   schedule: { type: "multistep", milestones: [30, 60], gamma: 0.1 } }, 45); // 0.01
 */
export function learningRate(opts: LrScheduleOptions, t: number): number {
  return decayed(opts, t) * warmupFactor(opts, t);
}

/**
 * The rate for step `step` (0-based) of epoch `epoch` with `steps` steps per epoch, as torch's per-iteration
 * schedulers give it (see the file header): decay at the step's start, warmup at its end.
 *
 * @example
 * const o = { baseLr: 0.1, epochs: 2, warmupEpochs: 0, schedule: { type: "cosine", minLr: 0 } } as const;
 * stepLearningRate(o, 0, 0, 10); // 0.1 (first step: full rate)
 * stepLearningRate(o, 1, 9, 10); // ≈ 0.0006 (last step: small but not zero)
 */
export function stepLearningRate(
  opts: LrScheduleOptions,
  epoch: number,
  step: number,
  steps: number,
): number {
  return decayed(opts, epoch + step / steps) * warmupFactor(opts, epoch + (step + 1) / steps);
}
