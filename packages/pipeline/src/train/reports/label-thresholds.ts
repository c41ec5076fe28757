/**
 * Per-label score thresholds (Rekognition Custom Labels' "assumed threshold"): for each class, the calibrated
 * score at or above which a top-1 prediction of that class is accepted, chosen to maximise the class's F1 on the
 * validation split. Serving applies the top label's threshold when a request gives none.
 */
import { softmaxRows } from "./metrics.js";

/**
 * The F1-maximising threshold of one class and the F1 it reaches on validation.
 * @example
 * const t: LabelThreshold = { threshold: 0.62, f1: 0.91 };
 */
export interface LabelThreshold {
  threshold: number;
  f1: number;
}

/**
 * One class's threshold: a validation image counts as predicted `c` when its top-1 class is `c` and its score is at
 * least the threshold. Candidates are the scores of those predictions; ties keep the lowest threshold (more
 * recall for the same F1). A class never predicted gets 0 and F1 0.
 */
function bestThreshold(scores: number[], correct: boolean[], support: number): LabelThreshold {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let best: LabelThreshold = { threshold: 0, f1: 0 };
  let tp = 0;
  for (let n = 1; n <= order.length; n++) {
    const i = order[n - 1]!;
    if (correct[i]) tp += 1;
    // Only at the last of equal scores: a threshold cannot split them.
    const next = order[n];
    if (next !== undefined && scores[next] === scores[i]) continue;
    const f1 = support + n > 0 ? (2 * tp) / (support + n) : 0;
    if (f1 >= best.f1) best = { threshold: scores[i]!, f1 };
  }
  return best;
}

/**
 * Per-label thresholds from validation logits `[n, k]` (row-major) at `temperature`, by class name.
 *
 * @example
 * const t = labelThresholds(valLogits, valLabels, ["cat", "dog"], 1.2);
 * t.cat?.threshold; // e.g. 0.61
 */
export function labelThresholds(
  logits: Float32Array,
  labels: ArrayLike<number>,
  classNames: readonly string[],
  temperature: number,
): Record<string, LabelThreshold> {
  const k = classNames.length;
  const p = softmaxRows(logits, k, temperature);
  const scores = classNames.map((): number[] => []);
  const correct = classNames.map((): boolean[] => []);
  const support = classNames.map(() => 0);
  for (let i = 0; i < labels.length; i++) {
    let top = 0;
    for (let j = 1; j < k; j++) if (p[i * k + j]! > p[i * k + top]!) top = j;
    scores[top]!.push(p[i * k + top]!);
    correct[top]!.push(labels[i] === top);
    support[labels[i]!]! += 1;
  }
  return Object.fromEntries(
    classNames.map((name, c) => [name, bestThreshold(scores[c]!, correct[c]!, support[c]!)]),
  );
}
