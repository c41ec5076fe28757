/**
 * Classification metrics on plain arrays (computed once at the end of training or per validation pass):
 * top-1/top-5, per-class precision/recall/F1, confusion matrix (rows: true class, columns: predicted), NLL and
 * expected calibration error (15 equal-width confidence bins, as Guo et al. 2017).
 */

export interface PerClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  count: number;
  top1: number;
  /** Only when there are at least 5 classes. */
  top5?: number;
  nll: number;
  ece: number;
  macroF1: number;
  perClass: PerClassMetrics[];
  /** `confusion[true][predicted]` counts. */
  confusion: number[][];
}

/** Row-wise softmax of `logits` (`[n, k]`, row-major) divided by `temperature`. */
export function softmaxRows(logits: Float32Array, k: number, temperature = 1): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / k; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < k; j++) max = Math.max(max, logits[r * k + j]! / temperature);
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const e = Math.exp(logits[r * k + j]! / temperature - max);
      out[r * k + j] = e;
      sum += e;
    }
    for (let j = 0; j < k; j++) out[r * k + j]! /= sum;
  }
  return out;
}

function argmax(row: ArrayLike<number>, from: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (row[from + j]! > row[from + best]!) best = j;
  return best;
}

function rankOf(row: ArrayLike<number>, from: number, k: number, cls: number): number {
  let rank = 0;
  for (let j = 0; j < k; j++) if (row[from + j]! > row[from + cls]!) rank++;
  return rank;
}

/**
 * Expected calibration error: Σ_bins (|bin|/n)·|accuracy(bin) − confidence(bin)|.
 * @example
 * expectedCalibrationError([0.9, 0.6], [true, false]); // ≈ 0.35
 */
export function expectedCalibrationError(confidence: number[], correct: boolean[], bins = 15): number {
  const n = confidence.length;
  if (n === 0) return 0;
  const sumConf = new Float64Array(bins);
  const sumAcc = new Float64Array(bins);
  const count = new Float64Array(bins);
  confidence.forEach((c, i) => {
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
    sumConf[b]! += c;
    sumAcc[b]! += correct[i] ? 1 : 0;
    count[b]! += 1;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b]! > 0) ece += Math.abs(sumAcc[b]! - sumConf[b]!) / n;
  }
  return ece;
}

function perClass(confusion: number[][], labels: readonly string[]): PerClassMetrics[] {
  const k = labels.length;
  return labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += confusion[r]![c]!;
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
}

/**
 * Every end-of-training classification metric from logits `[n, k]` (row-major) and integer labels.
 *
 * @example
 * const r = classificationReport(new Float32Array([2, 0, 0, 1]), [0, 1], ["cat", "dog"]);
 * r.top1; // 1
 */
export function classificationReport(
  logits: Float32Array,
  labels: ArrayLike<number>,
  classNames: readonly string[],
  temperature = 1,
): ClassificationReport {
  const k = classNames.length;
  const n = labels.length;
  const probs = softmaxRows(logits, k, temperature);
  const confusion = classNames.map(() => new Array<number>(k).fill(0));
  const confidence: number[] = [];
  const correct: boolean[] = [];
  let top1 = 0;
  let top5 = 0;
  let nll = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    const pred = argmax(probs, i * k, k);
    confusion[y]![pred]! += 1;
    confidence.push(probs[i * k + pred]!);
    correct.push(pred === y);
    if (pred === y) top1++;
    if (rankOf(probs, i * k, k, y) < 5) top5++;
    nll -= Math.log(Math.max(probs[i * k + y]!, 1e-12));
  }
  const classes = perClass(confusion, classNames);
  return {
    count: n,
    top1: n ? top1 / n : 0,
    ...(k >= 5 ? { top5: n ? top5 / n : 0 } : {}),
    nll: n ? nll / n : 0,
    ece: expectedCalibrationError(confidence, correct),
    macroF1: classes.reduce((a, c) => a + c.f1, 0) / k,
    perClass: classes,
    confusion,
  };
}

/** Top-1 and (with ≥ 5 classes) top-5 counts of a batch, for running per-epoch accuracy. */
export function topkCounts(
  logits: Float32Array,
  labels: ArrayLike<number>,
  k: number,
): { top1: number; top5: number } {
  let top1 = 0;
  let top5 = 0;
  for (let i = 0; i < labels.length; i++) {
    const rank = rankOf(logits, i * k, k, labels[i]!);
    if (rank === 0) top1++;
    if (rank < 5) top5++;
  }
  return { top1, top5 };
}
