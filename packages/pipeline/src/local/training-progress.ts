/**
 * Renders training progress for people and machines: a one-line progress bar (with images/s and ETA) on a TTY,
 * JSON lines otherwise.
 */
import type { TrainingProgress } from "../train/loop/training-types.js";
import { progressBar } from "./progress-bar.js";

/**
 * One progress-bar line (no newline) for a step event.
 * @example
 * out.write(`\r${trainingProgressBar(p)}`);
 */
export function trainingProgressBar(p: TrainingProgress, width = 24): string {
  return progressBar(
    {
      epoch: p.epoch + 1,
      epochs: p.epochs,
      step: p.step,
      steps: p.steps,
      loss: p.loss,
      lr: p.lr,
      imagesPerSec: p.imagesPerSec,
      etaSeconds: p.etaSeconds,
    },
    width,
  );
}

/**
 * A summary line for an epoch event.
 * @example
 * out.write(`${epochLine(p)}\n`); // "epoch 3/10 train loss 0.4123 top1 88.1% | val loss …"
 */
export function epochLine(p: TrainingProgress): string {
  const r = p.record;
  if (!r) return `epoch ${p.epoch + 1}/${p.epochs} done`;
  const top5 = r.valTop5 !== undefined ? ` top5 ${(100 * r.valTop5).toFixed(1)}%` : "";
  return `epoch ${r.epoch + 1}/${p.epochs} train loss ${r.trainLoss.toFixed(4)} top1 ${(100 * r.trainTop1).toFixed(1)}% | val loss ${r.valLoss.toFixed(4)} top1 ${(100 * r.valTop1).toFixed(1)}%${top5} | ${r.seconds.toFixed(1)}s`;
}

/**
 * A progress callback writing to `out`: a redrawn bar when `tty`, else one JSON object per event.
 *
 * @example
 * const onProgress = progressRenderer(process.stderr, process.stderr.isTTY === true);
 */
export function progressRenderer(
  out: { write(s: string): unknown },
  tty: boolean,
): (p: TrainingProgress) => void {
  if (!tty) return (p) => out.write(`${JSON.stringify(p)}\n`);
  return (p) => {
    if (p.type === "step") out.write(`\r\x1b[2K${trainingProgressBar(p)}`);
    else if (p.type === "epoch") out.write(`\r\x1b[2K${epochLine(p)}\n`);
  };
}
