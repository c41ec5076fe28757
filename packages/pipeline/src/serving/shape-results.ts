/**
 * Pure response shaping: L2 normalisation, tempered softmax, top-k, and the `unknown` decision
 * (centroid distance when `centroids.json` exists, else max-softmax under a threshold).
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

export interface ClassifyResult {
  predictions: Prediction[];
  unknown: boolean;
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
  const embeddings = centroids ? embeddingRows(out.features, n, out.featureDim, true) : [];
  const threshold = options.threshold ?? calibration?.threshold;
  const results: ClassifyResult[] = [];
  for (let i = 0; i < n; i++) {
    const probs = softmax(out.logits.subarray(i * k, (i + 1) * k), calibration?.temperature ?? 1);
    const order = probs.map((p, j) => [p, j] as const).sort((a, b) => b[0] - a[0]);
    const predictions = order
      .slice(0, Math.min(options.topK, k))
      .map(([score, j]) => ({ label: labels[j] ?? `class_${j}`, score }));
    const top = order[0]?.[0] ?? 0;
    let unknown = threshold !== undefined && top < threshold;
    if (centroids && options.threshold === undefined) {
      unknown = nearestCentroidDistance(embeddings[i]!, centroids) > centroids.threshold;
    }
    results.push({ predictions, unknown });
  }
  return results;
}
