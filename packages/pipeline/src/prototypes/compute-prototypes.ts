/**
 * Prototypes from labelled embeddings (pure): per-class mean of L2-normalised embeddings, a softmax temperature on
 * cosine similarities fitted on the examples (temperature scaling of the cosine logits), and the `unknown` threshold:
 * the 5th percentile of the examples' cosine to their own prototype, minus a margin of 0.05.
 */
import { quantile } from "../train/reports/centroids.js";
import { fitTemperature } from "../train/reports/temperature.js";
import type { Prototypes } from "./prototype-files.js";

/** Cosine logits are in [−1, 1]: scaled by this before the temperature search (whose range is [1/20, 20]). */
const COSINE_SCALE = 20;
const THRESHOLD_MARGIN = 0.05;

/**
 * `v` scaled to unit length (a zero vector stays zero).
 * @example
 * l2Normalise([3, 4]); // [0.6, 0.8]
 */
export function l2Normalise(v: readonly number[]): number[] {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : [...v];
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

/**
 * Cosine similarity of a normalised embedding to each prototype.
 * @example
 * cosines([1, 0], [[1, 0], [0, 1]]); // [1, 0]
 */
export function cosines(embedding: readonly number[], prototypes: readonly (readonly number[])[]): number[] {
  return prototypes.map((p) => dot(embedding, p));
}

/**
 * Fit prototypes to normalised `examples` by label (label order = key order).
 * @example
 * const p = computePrototypes({ cat: [[1, 0]], dog: [[0, 1]] }, "backbone:resnet50.tv2_in1k");
 */
export function computePrototypes(examples: Record<string, number[][]>, source: string): Prototypes {
  const labels = Object.keys(examples);
  const prototypes = labels.map((l) => {
    const rows = examples[l]!;
    const sum = rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0));
    return l2Normalise(sum);
  });
  const logits: number[] = [];
  const targets: number[] = [];
  const own: number[] = [];
  labels.forEach((l, c) => {
    for (const row of examples[l]!) {
      const cos = cosines(row, prototypes);
      logits.push(...cos.map((x) => x * COSINE_SCALE));
      targets.push(c);
      own.push(cos[c]!);
    }
  });
  const t = labels.length > 1 ? fitTemperature(Float32Array.from(logits), targets, labels.length) : 1;
  return {
    kind: "prototypes",
    source,
    labels,
    prototypes,
    temperature: t / COSINE_SCALE,
    threshold: Math.max(-1, quantile(own, 0.05) - THRESHOLD_MARGIN),
    examples,
  };
}
