/** Serving a prototype model: cosine similarity to each prototype → calibrated scores, top-k and `unknown`. */
import { type ClassifyResult, embeddingRows, softmax } from "../serving/shape-results.js";
import { cosines } from "./compute-prototypes.js";
import type { Prototypes } from "./prototype-files.js";

/**
 * Classify results for a batch of embeddings `[n, dim]` against the prototypes: scores softmax(cos / temperature);
 * `unknown` when the best cosine is under the model's threshold (or the top score under the request's `threshold`).
 * @example
 * const results = prototypeRows(out.features, n, out.featureDim, prototypes, { topK: 3 });
 */
export function prototypeRows(
  features: Float32Array,
  n: number,
  dim: number,
  p: Prototypes,
  options: { topK: number; threshold?: number },
): ClassifyResult[] {
  return embeddingRows(features, n, dim, true).map((e) => {
    const cos = cosines(e, p.prototypes);
    const scores = softmax(cos, p.temperature);
    const order = scores.map((s, j) => [s, j] as const).sort((a, b) => b[0] - a[0]);
    const predictions = order.slice(0, options.topK).map(([score, j]) => ({ label: p.labels[j]!, score }));
    const [top, j] = order[0]!;
    if (options.threshold !== undefined) {
      return {
        predictions,
        unknown: top < options.threshold,
        threshold: { source: "request", value: options.threshold },
      };
    }
    return {
      predictions,
      unknown: cos[j]! < p.threshold,
      threshold: { source: "prototypes", value: p.threshold },
    };
  });
}
