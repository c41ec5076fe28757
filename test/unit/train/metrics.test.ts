import {
  calibrationFile,
  classificationReport,
  computeCentroids,
  expectedCalibrationError,
  fitTemperature,
  quantile,
  temperatureNll,
} from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

describe("classificationReport", () => {
  it("computes confusion, precision/recall/F1 and top-1 on a hand-checked case", () => {
    // predictions (argmax): 0, 0, 1, 1, 2 ; truth: 0, 1, 1, 1, 0
    const logits = new Float32Array([5, 0, 0, 3, 1, 0, 0, 4, 0, 0, 2, 1, 0, 0, 9]);
    const r = classificationReport(logits, [0, 1, 1, 1, 0], ["a", "b", "c"]);
    expect(r.confusion).toEqual([
      [1, 0, 1],
      [1, 2, 0],
      [0, 0, 0],
    ]);
    expect(r.top1).toBeCloseTo(3 / 5, 12);
    expect(r.top5).toBeUndefined();
    expect(r.perClass[0]).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.perClass[1]?.precision).toBe(1);
    expect(r.perClass[1]?.recall).toBeCloseTo(2 / 3, 12);
    expect(r.perClass[1]?.f1).toBeCloseTo(0.8, 12);
    expect(r.perClass[2]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(r.macroF1).toBeCloseTo((0.5 + 0.8) / 3, 12);
  });

  it("reports top-5 from five classes on", () => {
    const k = 6;
    const logits = new Float32Array([6, 5, 4, 3, 2, 1, 6, 5, 4, 3, 2, 1]);
    const r = classificationReport(logits, [4, 5], ["a", "b", "c", "d", "e", "f"].slice(0, k));
    expect(r.top1).toBe(0);
    expect(r.top5).toBe(0.5);
  });
});

describe("expectedCalibrationError", () => {
  it("is |accuracy − confidence| weighted by bin size", () => {
    // bin of 0.9 conf with 50% accuracy (2 items), bin of 0.3 conf with 0% (2 items)
    const ece = expectedCalibrationError([0.9, 0.9, 0.3, 0.3], [true, false, false, false]);
    expect(ece).toBeCloseTo(0.5 * 0.4 + 0.5 * 0.3, 12);
    expect(expectedCalibrationError([1, 1], [true, true])).toBe(0);
  });
});

describe("fitTemperature", () => {
  it("recovers the temperature of over-confident logits", () => {
    let s = 12345;
    const rnd = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    };
    const n = 3000;
    const k = 4;
    const logits = new Float32Array(n * k);
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: k }, () => (rnd() - 0.5) * 4);
      const e = z.map(Math.exp);
      const sum = e.reduce((a, b) => a + b, 0);
      let u = rnd() * sum;
      let y = 0;
      while (u > e[y]! && y < k - 1) u -= e[y++]!;
      labels.push(y);
      z.forEach((v, j) => {
        logits[i * k + j] = v * 2.5; // calibrated logits scaled up: the true temperature is 2.5
      });
    }
    const t = fitTemperature(logits, labels, k);
    expect(t).toBeGreaterThan(2.2);
    expect(t).toBeLessThan(2.8);
    expect(temperatureNll(logits, labels, k, t)).toBeLessThan(temperatureNll(logits, labels, k, 1));
  });

  it("is 1 without validation data", () => {
    expect(fitTemperature(new Float32Array(0), [], 3)).toBe(1);
  });
});

describe("centroids and calibration files", () => {
  it("averages normalised embeddings per class and thresholds at the 95th percentile of cosine distance", () => {
    const emb = new Float32Array([2, 0, 0, 3, 1, 0, 0, 1, 1, 1]);
    const c = computeCentroids(emb, [0, 1, 0, 1, 0], ["x", "y"], 2);
    expect(c.centroids[1]).toEqual([0, 1]);
    const d =
      1 - Math.SQRT1_2 * (1 / Math.hypot(2 + Math.SQRT1_2, Math.SQRT1_2)) * (2 + Math.SQRT1_2 + Math.SQRT1_2);
    expect(c.centroids[0]![0]).toBeGreaterThan(c.centroids[0]![1]!);
    expect(c.threshold).toBeGreaterThan(0);
    expect(c.threshold).toBeLessThanOrEqual(d + 1e-9);
    expect(quantile([0, 10], 0.95)).toBeCloseTo(9.5, 12);
  });

  it("writes a temperature and the 5th-percentile confidence", () => {
    const cal = calibrationFile(new Float32Array([0, 0, 10, 0]), 2, 1);
    expect(cal.temperature).toBe(1);
    expect(cal.threshold).toBeCloseTo(0.5 + (1 / (1 + Math.exp(-10)) - 0.5) * 0.05, 9);
  });
});
