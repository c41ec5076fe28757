/**
 * Data for the serving `unknown` flag: per-class mean of L2-normalised embeddings (renormalised), and a cosine
 * distance threshold, the 95th percentile of validation distances to their own class centroid, so about 5% of
 * in-distribution images would be flagged. Also the max-softmax threshold of `calibration.json`.
 */
import type { Calibration, Centroids } from "../../registry/model-files.js";
import { softmaxRows } from "./metrics.js";

function normalise(v: Float64Array): Float64Array {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

/**
 * The q-quantile (0–1) by linear interpolation; 0 for an empty list.
 * @example
 * quantile([1, 2, 3, 4], 0.5); // 2.5
 */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/**
 * Centroids from embeddings `[n, dim]` (row-major). Classes without examples get a zero centroid, so nothing is
 * ever close to them.
 *
 * @example
 * const c = computeCentroids(features, labels, ["cat", "dog"], 512);
 * c.threshold; // cosine distance
 */
export function computeCentroids(
  embeddings: Float32Array,
  labels: ArrayLike<number>,
  classNames: readonly string[],
  dim: number,
  q = 0.95,
): Centroids {
  const sums = classNames.map(() => new Float64Array(dim));
  const rows: Float64Array[] = [];
  for (let i = 0; i < labels.length; i++) {
    const row = normalise(Float64Array.from(embeddings.subarray(i * dim, (i + 1) * dim)));
    rows.push(row);
    const sum = sums[labels[i]!]!;
    for (let j = 0; j < dim; j++) sum[j]! += row[j]!;
  }
  const centroids = sums.map((s) => (s.some((x) => x !== 0) ? normalise(s) : s));
  const distances = rows.map((row, i) => {
    const c = centroids[labels[i]!]!;
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += row[j]! * c[j]!;
    return 1 - dot;
  });
  return {
    labels: [...classNames],
    centroids: centroids.map((c) => Array.from(c)),
    threshold: Math.max(0, quantile(distances, q)),
  };
}

/**
 * `calibration.json`: the fitted temperature and the max-softmax score (at that temperature) under which a
 * prediction is flagged `unknown`: the 5th percentile of validation confidences.
 *
 * @example
 * const cal = calibrationFile(valLogits, numClasses, 1.3); // { temperature: 1.3, threshold: 0.41 }
 */
export function calibrationFile(logits: Float32Array, k: number, temperature: number, q = 0.05): Calibration {
  const p = softmaxRows(logits, k, temperature);
  const conf: number[] = [];
  for (let i = 0; i < p.length / k; i++) {
    let m = 0;
    for (let j = 0; j < k; j++) m = Math.max(m, p[i * k + j]!);
    conf.push(m);
  }
  return { temperature, threshold: Math.min(1, Math.max(0, quantile(conf, q))) };
}
