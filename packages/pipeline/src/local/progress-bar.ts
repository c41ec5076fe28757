/**
 * The one progress bar: `residual train` draws it from trainer events, `residual start` from a job's status
 * reports. Same line, same duration format, whatever the source.
 */

/** What a bar shows; `epoch` is 1-based (the epoch running); without `epochs` (bulk runs) no epoch is shown. */
export interface ProgressView {
  /** Printed first (a job id). */
  label?: string;
  epoch?: number;
  epochs?: number;
  step: number;
  steps: number;
  loss?: number;
  lr?: number;
  imagesPerSec?: number;
  etaSeconds?: number;
}

/**
 * `1h02m` or `3m07s`; `?` when unknown.
 * @example
 * formatDuration(75); // "1m15s"
 */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(s % 60).padStart(2, "0")}s`;
}

function epochPart(p: ProgressView): string {
  return p.epochs === undefined ? "" : `epoch ${Math.min(p.epoch ?? 1, p.epochs)}/${p.epochs} `;
}

/**
 * The bar itself, `done` of `total` filled.
 * @example
 * barGlyphs(5, 10, 10); // "#####-----"
 */
export function barGlyphs(done: number, total: number, width = 24): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  return `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
}

/**
 * One progress-bar line (no newline).
 * @example
 * progressBar({ label: "j-1", epoch: 2, epochs: 4, step: 5, steps: 10, etaSeconds: 75 }, 10);
 * // "j-1 epoch 2/4 [#####-----] 5/10 ETA 1m15s"
 */
export function progressBar(p: ProgressView, width = 24): string {
  const bar = barGlyphs(p.step, p.steps, width);
  const parts = [
    `${p.label ? `${p.label} ` : ""}${epochPart(p)}[${bar}] ${p.step}/${p.steps}`,
    ...(p.loss !== undefined ? [`loss ${p.loss.toFixed(4)}`] : []),
    ...(p.lr !== undefined ? [`lr ${p.lr.toExponential(2)}`] : []),
    ...(p.imagesPerSec !== undefined ? [`${p.imagesPerSec.toFixed(1)} img/s`] : []),
    `ETA ${formatDuration(p.etaSeconds)}`,
  ];
  return parts.join(" ");
}
