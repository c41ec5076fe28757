import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import {
  learningRate,
  type ScheduleSpec,
  smoothedCrossEntropy,
  stepLearningRate,
} from "@residual/pipeline/testing";
import { beforeAll, describe, expect, it } from "vitest";
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

/** torch's per-iteration rates: LinearLR warmup (when W > 0) then CosineAnnealingLR, or MultiStepLR per epoch. */
const TORCH_SCHEDULE = `import json,sys,warnings,torch
warnings.filterwarnings("ignore")
i=json.load(sys.stdin); T=i["epochs"]*i["steps"]; W=i["warmup"]*i["steps"]
opt=torch.optim.SGD([torch.zeros(1,requires_grad=True)], lr=i["base"])
S=torch.optim.lr_scheduler
if i["type"]=="cosine":
  cos=S.CosineAnnealingLR(opt, T_max=T-W, eta_min=i["minLr"])
  sch=S.SequentialLR(opt,[S.LinearLR(opt,start_factor=1/W,total_iters=W-1),cos],milestones=[W]) if W else cos
  out=[]
  for _ in range(T):
    out.append(opt.param_groups[0]["lr"]); opt.step(); sch.step()
else:
  sch=S.MultiStepLR(opt, milestones=i["milestones"], gamma=i["gamma"]); out=[]
  for _ in range(i["epochs"]):
    out += [opt.param_groups[0]["lr"]]*i["steps"]; opt.step(); sch.step()
print(json.dumps(out))`;

describe("stepLearningRate (the trainer's per-step rate) against torch's schedulers", () => {
  const cases = [
    { type: "cosine", base: 0.1, minLr: 0, epochs: 3, steps: 5, warmup: 0 },
    { type: "cosine", base: 0.4, minLr: 0.01, epochs: 6, steps: 4, warmup: 2 },
    { type: "multistep", base: 0.1, milestones: [2, 4], gamma: 0.1, epochs: 5, steps: 3, warmup: 0 },
  ] as const;

  it.each(cases)("$type, $epochs epochs × $steps steps, warmup $warmup: every step within 1e-9", (c) => {
    const ref = runTorch<number[]>(TORCH_SCHEDULE, c);
    const schedule: ScheduleSpec =
      c.type === "cosine"
        ? { type: "cosine", minLr: c.minLr }
        : { type: "multistep", milestones: [...c.milestones], gamma: c.gamma };
    const o = { baseLr: c.base, epochs: c.epochs, warmupEpochs: c.warmup, schedule };
    const ours: number[] = [];
    for (let e = 0; e < c.epochs; e++)
      for (let s = 0; s < c.steps; s++) ours.push(stepLearningRate(o, e, s, c.steps));
    expect(ours).toHaveLength(ref.length);
    for (const [i, v] of ours.entries()) expect(Math.abs(v - ref[i]!), `step ${i}`).toBeLessThan(1e-9);
  });

  it("the last cosine step is not a no-op even with minLr 0", () => {
    const o = { baseLr: 0.1, epochs: 3, warmupEpochs: 0, schedule: { type: "cosine", minLr: 0 } as const };
    expect(stepLearningRate(o, 2, 4, 5)).toBeGreaterThan(1e-4);
    expect(stepLearningRate(o, 0, 0, 5)).toBe(0.1);
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
