import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import type { ScheduleSpec } from "../../../packages/pipeline/src/train/job-spec.js";
import { smoothedCrossEntropy } from "../../../packages/pipeline/src/train/loss.js";
import { learningRate } from "../../../packages/pipeline/src/train/schedule.js";
import { runTorch } from "./torch-reference.js";

describe("learningRate", () => {
  const multistep: ScheduleSpec = { type: "multistep", milestones: [30, 60], gamma: 0.1 };

  it("multistep: multiplies by gamma at each milestone", () => {
    const o = { baseLr: 0.1, epochs: 90, warmupEpochs: 0, schedule: multistep };
    expect(learningRate(o, 29.99)).toBeCloseTo(0.1, 12);
    expect(learningRate(o, 30)).toBeCloseTo(0.01, 12);
    expect(learningRate(o, 60)).toBeCloseTo(0.001, 12);
  });

  it("warmup ramps linearly to the base rate, then the schedule takes over", () => {
    const o = { baseLr: 0.4, epochs: 90, warmupEpochs: 5, schedule: multistep };
    expect(learningRate(o, 1)).toBeCloseTo(0.08, 12);
    expect(learningRate(o, 2.5)).toBeCloseTo(0.2, 12);
    expect(learningRate(o, 5)).toBeCloseTo(0.4, 12);
  });

  it("cosine: base at the end of warmup, midpoint halfway, minLr at the end", () => {
    const o = { baseLr: 1, epochs: 12, warmupEpochs: 2, schedule: { type: "cosine", minLr: 0.1 } as const };
    expect(learningRate(o, 2)).toBeCloseTo(1, 12);
    expect(learningRate(o, 7)).toBeCloseTo(0.55, 12);
    expect(learningRate(o, 12)).toBeCloseTo(0.1, 12);
    expect(learningRate(o, 1)).toBeCloseTo(0.5, 12);
  });
});

describe("smoothedCrossEntropy", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });

  it("matches torch's cross_entropy(label_smoothing) and leaks nothing", () => {
    const logits = [
      [2, -1, 0.5, 0.1],
      [-0.3, 0.2, 3, -2],
      [0, 0, 0, 1],
    ];
    const labels = [0, 2, 1];
    const ref = runTorch<number[]>(
      `import json,sys,torch
i=json.load(sys.stdin); x=torch.tensor(i["x"]); y=torch.tensor(i["y"])
print(json.dumps([torch.nn.functional.cross_entropy(x,y,label_smoothing=s).item() for s in (0.0,0.1,0.3)]))`,
      { x: logits, y: labels },
    );
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(labels, "int32");
    const before = tf.memory().numTensors;
    const ours = [0, 0.1, 0.3].map((s) => {
      const l = smoothedCrossEntropy(x, y, s);
      const v = l.dataSync()[0]!;
      l.dispose();
      return v;
    });
    expect(tf.memory().numTensors).toBe(before);
    for (const [i, v] of ours.entries()) expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-5);
    tf.dispose([x, y]);
  });
});
