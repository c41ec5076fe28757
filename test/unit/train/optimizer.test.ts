import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { GroupOptimizer, smoothedCrossEntropy } from "@residual/pipeline/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { runTorch } from "./torch-reference.js";

const TORCH_SCRIPT = `
import json, sys, torch
inp = json.load(sys.stdin)
torch.set_default_dtype(torch.float64)
W = torch.tensor(inp["W"], requires_grad=True)
b = torch.tensor(inp["b"], requires_grad=True)
X = torch.tensor(inp["X"]); y = torch.tensor(inp["y"])
groups = [{"params": [W], "weight_decay": inp["wd"]}, {"params": [b], "weight_decay": 0.0}]
if inp["kind"] == "sgd":
    opt = torch.optim.SGD(groups, lr=0.1, momentum=0.9)
else:
    opt = torch.optim.AdamW(groups, lr=0.1)
for lr in inp["lrs"]:
    opt.param_groups[0]["lr"] = lr
    opt.param_groups[1]["lr"] = lr * inp["bScale"]
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(X @ W + b, y, label_smoothing=inp["ls"])
    loss.backward()
    opt.step()
print(json.dumps({"W": W.detach().flatten().tolist(), "b": b.detach().tolist()}))
`;

function problem(seed: number) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const mat = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, rnd));
  return {
    W: mat(3, 4),
    b: mat(1, 4)[0]!,
    X: mat(6, 3).map((r) => r.map((v) => v * 4)),
    y: [0, 1, 2, 3, 1, 2],
  };
}

function runOurs(
  kind: "sgd" | "adamw",
  p: ReturnType<typeof problem>,
  lrs: number[],
  wd: number,
  ls: number,
) {
  const W = tf.tidy(() => tf.variable(tf.tensor2d(p.W), true, `opt-test-W-${kind}-${wd}-${Math.random()}`));
  const b = tf.tidy(() => tf.variable(tf.tensor1d(p.b), true, `opt-test-b-${kind}-${wd}-${Math.random()}`));
  const X = tf.tensor2d(p.X);
  const y = tf.tensor1d(p.y, "int32");
  const opt = new GroupOptimizer({ kind, momentum: 0.9 });
  opt.setGroups([
    { names: ["fc.weight"], vars: [W], lrScale: 1, weightDecay: wd },
    { names: ["fc.bias"], vars: [b], lrScale: 0.5, weightDecay: 0 },
  ]);
  for (const lr of lrs) {
    const { grads, value } = tf.variableGrads(
      () => smoothedCrossEntropy(tf.add(tf.matMul(X, W), b) as tf.Tensor2D, y, ls),
      [W, b],
    );
    opt.step(grads, lr);
    tf.dispose([value, ...Object.values(grads)]);
  }
  const out = { W: Array.from(W.dataSync()), b: Array.from(b.dataSync()), state: opt.getState() };
  opt.dispose();
  tf.dispose([W, b, X, y]);
  return out;
}

describe("GroupOptimizer vs torch.optim", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });

  for (const kind of ["sgd", "adamw"] as const) {
    it(`${kind}: per-group lr, weight decay and label smoothing match torch within 1e-5 over 5 steps`, () => {
      const p = problem(kind === "sgd" ? 7 : 11);
      const lrs = [0.05, 0.1, 0.1, 0.02, 0.2];
      const wd = kind === "sgd" ? 0.05 : 0.1;
      const before = tf.memory().numTensors;
      const ours = runOurs(kind, p, lrs, wd, 0.1);
      expect(tf.memory().numTensors).toBe(before);
      const ref = runTorch<{ W: number[]; b: number[] }>(TORCH_SCRIPT, {
        ...p,
        kind,
        lrs,
        wd,
        ls: 0.1,
        bScale: 0.5,
      });
      const moved = ours.W.some((v, i) => Math.abs(v - p.W.flat()[i]!) > 1e-3);
      expect(moved).toBe(true);
      for (const [i, v] of ours.W.entries()) expect(Math.abs(v - ref.W[i]!)).toBeLessThan(1e-5);
      for (const [i, v] of ours.b.entries()) expect(Math.abs(v - ref.b[i]!)).toBeLessThan(1e-5);
      expect(ours.state.params["fc.weight"]?.step).toBe(lrs.length);
    });
  }

  it("restores its state so that continuing equals never stopping", () => {
    const p = problem(3);
    const full = runOurs("adamw", p, [0.1, 0.1, 0.1, 0.1], 0.01, 0);
    const half = runOurs("adamw", p, [0.1, 0.1], 0.01, 0);
    const W = tf.variable(tf.tensor2d(half.W, [3, 4]), true, "resume-W");
    const b = tf.variable(tf.tensor1d(half.b), true, "resume-b");
    const X = tf.tensor2d(p.X);
    const y = tf.tensor1d(p.y, "int32");
    const opt = new GroupOptimizer({ kind: "adamw" });
    opt.setGroups([
      { names: ["fc.weight"], vars: [W], lrScale: 1, weightDecay: 0.01 },
      { names: ["fc.bias"], vars: [b], lrScale: 0.5, weightDecay: 0 },
    ]);
    opt.setState(
      half.state,
      new Map([
        ["fc.weight", [3, 4]],
        ["fc.bias", [4]],
      ]),
    );
    for (let i = 0; i < 2; i++) {
      const { grads, value } = tf.variableGrads(
        () => smoothedCrossEntropy(tf.add(tf.matMul(X, W), b) as tf.Tensor2D, y, 0),
        [W, b],
      );
      opt.step(grads, 0.1);
      tf.dispose([value, ...Object.values(grads)]);
    }
    for (const [i, v] of Array.from(W.dataSync()).entries()) expect(v).toBeCloseTo(full.W[i]!, 6);
    opt.dispose();
    tf.dispose([W, b, X, y]);
  });
});
