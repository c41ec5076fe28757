import { classifyRows, embeddingRows, ModelCache, softmax } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

describe("response shaping", () => {
  it("L2-normalises rows only when asked", () => {
    expect(embeddingRows(new Float32Array([3, 4, 0, 0]), 2, 2, true)).toEqual([
      [0.6, 0.8],
      [0, 0],
    ]);
    expect(embeddingRows(new Float32Array([3, 4]), 1, 2, false)).toEqual([[3, 4]]);
  });

  it("softmax with temperature flattens, top-k orders, thresholds flag unknown", () => {
    const p1 = softmax([2, 0], 1);
    const p2 = softmax([2, 0], 2);
    expect(p1[0]! + p1[1]!).toBeCloseTo(1, 12);
    expect(p2[0]!).toBeLessThan(p1[0]!);
    const out = {
      features: new Float32Array([1, 0]),
      logits: new Float32Array([0, 3, 1]),
      featureDim: 2,
      numClasses: 3,
    };
    const [r] = classifyRows(out, 1, ["a", "b", "c"], { topK: 2 });
    expect(r!.predictions.map((p) => p.label)).toEqual(["b", "c"]);
    expect(r!.unknown).toBe(false);
    expect(classifyRows(out, 1, ["a", "b", "c"], { topK: 1, threshold: 0.99 })[0]!.unknown).toBe(true);
    expect(
      classifyRows(out, 1, ["a", "b", "c"], { topK: 1 }, { temperature: 1, threshold: 0.99 })[0]!.unknown,
    ).toBe(true);
  });

  it("uses centroid distance for unknown when centroids exist", () => {
    const out = {
      features: new Float32Array([0, 1]),
      logits: new Float32Array([5, 0]),
      featureDim: 2,
      numClasses: 2,
    };
    const far = {
      labels: ["a", "b"],
      centroids: [
        [1, 0],
        [-1, 0],
      ],
      threshold: 0.5,
    };
    const near = {
      labels: ["a", "b"],
      centroids: [
        [0, 1],
        [-1, 0],
      ],
      threshold: 0.5,
    };
    expect(classifyRows(out, 1, ["a", "b"], { topK: 1 }, undefined, far)[0]!.unknown).toBe(true);
    expect(classifyRows(out, 1, ["a", "b"], { topK: 1 }, undefined, near)[0]!.unknown).toBe(false);
  });
});

describe("per-label thresholds", () => {
  const out = {
    features: new Float32Array([1, 0, 0, 1]),
    logits: new Float32Array([2, 0, 0, 1]),
    featureDim: 2,
    numClasses: 2,
  };
  const calibration = { temperature: 1, threshold: 0.1, labelThresholds: { a: 0.8, b: 0.5 } };

  it("applies the top label's threshold when the request gives none, and says so", () => {
    const [first, second] = classifyRows(out, 2, ["a", "b"], { topK: 1 }, calibration);
    // softmax([2, 0])[0] ≈ 0.881 ≥ 0.8 (a); softmax([0, 1])[1] ≈ 0.731 ≥ 0.5 (b).
    expect(first).toMatchObject({ unknown: false, threshold: { source: "label", value: 0.8 } });
    expect(second).toMatchObject({ unknown: false, threshold: { source: "label", value: 0.5 } });
    const strict = { ...calibration, labelThresholds: { a: 0.9, b: 0.5 } };
    expect(classifyRows(out, 1, ["a", "b"], { topK: 1 }, strict)[0]).toMatchObject({
      unknown: true,
      threshold: { source: "label", value: 0.9 },
    });
  });

  it("the request's threshold wins, and a model without per-label thresholds reports its own", () => {
    expect(classifyRows(out, 1, ["a", "b"], { topK: 1, threshold: 0.95 }, calibration)[0]).toMatchObject({
      unknown: true,
      threshold: { source: "request", value: 0.95 },
    });
    expect(
      classifyRows(out, 1, ["a", "b"], { topK: 1 }, { temperature: 1, threshold: 0.1 })[0],
    ).toMatchObject({
      unknown: false,
      threshold: { source: "model", value: 0.1 },
    });
    expect(classifyRows(out, 1, ["a", "b"], { topK: 1 })[0]!.threshold).toBeUndefined();
  });
});

describe("ModelCache", () => {
  const value = (bytes: number, log: string[], name: string) => ({
    bytes: () => bytes,
    dispose: async () => {
      log.push(name);
    },
  });

  it("shares one load, evicts LRU over budget, disposes evicted values after use", async () => {
    const log: string[] = [];
    const cache = new ModelCache<ReturnType<typeof value>>(100);
    let loads = 0;
    const load = (name: string, bytes: number) => async () => {
      loads++;
      return value(bytes, log, name);
    };
    await Promise.all([
      cache.with("a", load("a", 60), async () => 1),
      cache.with("a", load("a", 60), async () => 2),
    ]);
    expect(loads).toBe(1);
    let release!: () => void;
    const holding = cache.with("a", load("a", 60), () => new Promise<void>((r) => (release = r)));
    await cache.with("b", load("b", 60), async () => undefined);
    expect(cache.keys()).toEqual(["b"]);
    expect(log).toEqual([]); // "a" is still in use
    release();
    await holding;
    expect(log).toEqual(["a"]);
    await expect(
      cache.with(
        "c",
        async () => Promise.reject(new Error("boom")),
        async () => 0,
      ),
    ).rejects.toThrow("boom");
    await cache.with("c", load("c", 10), async () => undefined); // a failed load is not cached
    expect(cache.keys()).toEqual(["b", "c"]);
    cache.drop("c");
    expect(cache.keys()).toEqual(["b"]);
    expect(log).toEqual(["a", "c"]); // dropped and not in use: disposed at once
    await cache.clear();
    expect(log.sort()).toEqual(["a", "b", "c"]);
  });
});
