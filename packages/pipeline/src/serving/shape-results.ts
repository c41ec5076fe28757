/**
 * Pure response shaping: L2 normalisation, tempered softmax, top-k, and the `unknown` decision, by the first of: the
 * request's `threshold` (max-softmax under it), the top label's threshold in `calibration.json` `labelThresholds`
 * (the F1-maximising one), the centroid distance of `centroids.json`, `calibration.json`'s `threshold`. Each result
 * says which one it used.
 */
import type { Calibration, Centroids } from "../registry/model-files.js";

/**
 * Rows of a row-major `[n, dim]` matrix, L2-normalised when `normalize` (zero rows stay zero).
 * @example
 * embeddingRows(new Float32Array([3, 4]), 1, 2, true) // [[0.6, 0.8]]
 */
export function embeddingRows(data: Float32Array, n: number, dim: number, normalize: boolean): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from(data.subarray(i * dim, (i + 1) * dim));
    if (normalize) {
      const norm = Math.sqrt(row.reduce((a, x) => a + x * x, 0));
      if (norm > 0) for (let j = 0; j < dim; j++) row[j] = row[j]! / norm;
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Numerically stable softmax of one row at `temperature`.
 * @example
 * softmax([0, 0], 1) // [0.5, 0.5]
 */
export function softmax(logits: ArrayLike<number>, temperature = 1): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / temperature);
  const exps = Array.from(logits, (l) => Math.exp(l / temperature - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export interface Prediction {
  label: string;
  score: number;
}

/**
 * The threshold an `unknown` decision used: `request` (the request's max-softmax threshold), `label` (the top
 * label's F1-maximising score threshold), `centroids` (cosine distance to the nearest class centroid, flagged above
 * it), `model` (calibration.json's max-softmax threshold) or `prototypes` (a prototype model's cosine similarity,
 * flagged under it).
 * @example
 * const used: AppliedThreshold = { source: "label", value: 0.62 };
 */
export interface AppliedThreshold {
  source: "request" | "label" | "centroids" | "model" | "prototypes";
  value: number;
}

export interface ClassifyResult {
  predictions: Prediction[];
  unknown: boolean;
  /** What decided `unknown`; absent when the model has no threshold of any kind. */
  threshold?: AppliedThreshold;
}

export interface ClassifyOptions {
  topK: number;
  /** Max-softmax threshold; overrides calibration.json's. */
  threshold?: number;
}

/** Smallest cosine distance (1 − cos) from a normalised embedding to any class centroid. */
function nearestCentroidDistance(embedding: number[], centroids: Centroids): number {
  let best = Number.POSITIVE_INFINITY;
  for (const c of centroids.centroids) {
    let dot = 0;
    for (let j = 0; j < c.length; j++) dot += (embedding[j] ?? 0) * c[j]!;
    best = Math.min(best, 1 - dot);
  }
  return best;
}

/** The `unknown` decision for one row: top-1 `score` of `label`, embedding for the centroid check. */
function decideUnknown(
  score: number,
  label: string,
  embedding: () => number[],
  options: ClassifyOptions,
  calibration?: Calibration,
  centroids?: Centroids,
): Pick<ClassifyResult, "unknown" | "threshold"> {
  if (options.threshold !== undefined) {
    return { unknown: score < options.threshold, threshold: { source: "request", value: options.threshold } };
  }
  const perLabel = calibration?.labelThresholds?.[label];
  if (perLabel !== undefined)
    return { unknown: score < perLabel, threshold: { source: "label", value: perLabel } };
  if (centroids) {
    const value = centroids.threshold;
    return {
      unknown: nearestCentroidDistance(embedding(), centroids) > value,
      threshold: { source: "centroids", value },
    };
  }
  const value = calibration?.threshold;
  return value === undefined
    ? { unknown: false }
    : { unknown: score < value, threshold: { source: "model", value } };
}

/**
 * Classify results for a batch.
 * @example
 * const results = classifyRows(out, labels, { topK: 3 }, calibration, centroids);
 */
export function classifyRows(
  out: { features: Float32Array; logits: Float32Array; featureDim: number; numClasses: number },
  n: number,
  labels: readonly string[],
  options: ClassifyOptions,
  calibration?: Calibration,
  centroids?: Centroids,
): ClassifyResult[] {
  const k = out.numClasses;
  const label = (j: number) => labels[j] ?? `class_${j}`;
  const results: ClassifyResult[] = [];
  for (let i = 0; i < n; i++) {
    const probs = softmax(out.logits.subarray(i * k, (i + 1) * k), calibration?.temperature ?? 1);
    const order = probs.map((p, j) => [p, j] as const).sort((a, b) => b[0] - a[0]);
    const predictions = order
      .slice(0, Math.min(options.topK, k))
      .map(([score, j]) => ({ label: label(j), score }));
    const [top, j] = order[0] ?? [0, 0];
    const embedding = () =>
      embeddingRows(out.features.subarray(i * out.featureDim), 1, out.featureDim, true)[0]!;
    results.push({
      predictions,
      ...decideUnknown(top, label(j), embedding, options, calibration, centroids),
    });
  }
  return results;
}
