/**
 * Renders training progress for people and machines: a one-line progress bar (with images/s and ETA) on a TTY,
 * JSON lines otherwise.
 */
import type { TrainingProgress } from "./loop/run-training.js";

function duration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(s % 60).padStart(2, "0")}s`;
}

/** One progress-bar line (no newline) for a step event. */
export function progressBar(p: TrainingProgress, width = 24): string {
  const frac = p.steps > 0 ? p.step / p.steps : 0;
  const filled = Math.round(frac * width);
  const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
  return `epoch ${p.epoch + 1}/${p.epochs} [${bar}] ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} ${p.imagesPerSec.toFixed(1)} img/s ETA ${duration(p.etaSeconds)}`;
}

/** A summary line for an epoch event. */
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
    if (p.type === "step") out.write(`\r\x1b[2K${progressBar(p)}`);
    else if (p.type === "epoch") out.write(`\r\x1b[2K${epochLine(p)}\n`);
  };
}
