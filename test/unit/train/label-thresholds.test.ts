import { labelThresholds } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

/** Logits whose softmax (T = 1) over two classes gives class 0 the score `p`. */
const row = (p: number) => [Math.log(p), Math.log(1 - p)];

describe("labelThresholds", () => {
  it("picks, per label, the score threshold that maximises the label's validation F1", () => {
    // Top-1 "a" with scores 0.9 (a), 0.8 (a), 0.7 (b: wrong), 0.6 (a). Thresholds: 0.9 → F1 2·1/(3+1)=0.5;
    // 0.8 → 2·2/(3+2)=0.8; 0.7 → 2·2/(3+3)=0.667; 0.6 → 2·3/(3+4)=0.857. Best: 0.6.
    const scores = [0.9, 0.8, 0.7, 0.6];
    const labels = [0, 0, 1, 0];
    const t = labelThresholds(new Float32Array(scores.flatMap(row)), labels, ["a", "b"], 1);
    expect(t.a!.threshold).toBeCloseTo(0.6, 6);
    expect(t.a!.f1).toBeCloseTo(6 / 7, 6);
    // "b" is never the top-1 class: no threshold can make it right.
    expect(t.b).toEqual({ threshold: 0, f1: 0 });
  });

  it("raises the threshold above confident mistakes", () => {
    // 0.95 a, 0.9 a, then three wrong "a" predictions at 0.6: stopping at 0.9 gives F1 1.
    const scores = [0.95, 0.9, 0.6, 0.6, 0.6];
    const labels = [0, 0, 1, 1, 1];
    const t = labelThresholds(new Float32Array(scores.flatMap(row)), labels, ["a", "b"], 1);
    expect(t.a!.threshold).toBeCloseTo(0.9, 6);
    expect(t.a!.f1).toBeCloseTo(1, 6);
  });
});
