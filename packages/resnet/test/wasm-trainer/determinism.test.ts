/**
 * Results are the same bits whatever the thread count (every unit of work sums in a fixed order), training
 * several steps changes the weights the way SGD/AdamW should, and bad input fails with a clear error.
 */

import { STAGE_NAMES, type WasmTrainer } from "@residual/resnet";
import { buildGraph, networkPlan } from "@residual/resnet/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inputs, perturbedModel, trainerFor, useCpu } from "./reference.js";

const open: WasmTrainer[] = [];
beforeAll(useCpu);
afterAll(async () => {
  await Promise.all(open.map((t) => t.dispose()));
});

async function trainSteps(threads: number, kind: "sgd" | "adamw", steps: number) {
  const model = perturbedModel("cifar_resnet20", 3);
  const t = await trainerFor(model, {
    batch: 8,
    inputSize: 12,
    trainable: new Set(STAGE_NAMES),
    threads,
    optimizer: { kind },
  });
  open.push(t);
  t.setGroups([{ names: t.names(), lrScale: 1, weightDecay: 1e-4 }]);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { x, labels } = inputs(8, 12, 3, 20 + i);
    losses.push(t.step(x, labels, kind === "sgd" ? 0.05 : 1e-3).loss);
  }
  return { weights: t.getWeights(), losses, state: t.getOptimizerState(), t };
}

describe("wasm trainer", () => {
  it("gives bit-identical weights with 1 and 3 threads", async () => {
    const a = await trainSteps(1, "sgd", 3);
    const b = await trainSteps(3, "sgd", 3);
    expect(b.t.threads).toBe(3);
    expect(a.losses).toEqual(b.losses);
    for (const [name, v] of a.weights)
      expect(Buffer.from(b.weights.get(name)!.buffer).equals(Buffer.from(v.buffer)), name).toBe(true);
  });

  it("fits a repeated batch (loss falls) with SGD and with AdamW", async () => {
    for (const kind of ["sgd", "adamw"] as const) {
      const model = perturbedModel("cifar_resnet20", 4);
      const t = await trainerFor(model, {
        batch: 8,
        inputSize: 12,
        trainable: new Set(STAGE_NAMES),
        optimizer: { kind },
      });
      open.push(t);
      const { x, labels } = inputs(8, 12, 3, 5);
      const first = t.step(x, labels, kind === "sgd" ? 0.05 : 3e-3).loss;
      let last = first;
      for (let i = 0; i < 15; i++) last = t.step(x, labels, kind === "sgd" ? 0.05 : 3e-3).loss;
      expect(last, kind).toBeLessThan(first * 0.5);
      const state = t.getOptimizerState();
      expect(state.kind).toBe(kind);
      expect(state.params["fc.weight"]?.step).toBe(16);
    }
  });

  it("round-trips optimizer state into a fresh trainer (same next step)", async () => {
    const a = await trainSteps(2, "adamw", 2);
    const model = perturbedModel("cifar_resnet20", 3);
    const b = await trainerFor(model, {
      batch: 8,
      inputSize: 12,
      trainable: new Set(STAGE_NAMES),
      optimizer: { kind: "adamw" },
    });
    open.push(b);
    b.setWeights(a.weights);
    b.setGroups([{ names: b.names(), lrScale: 1, weightDecay: 1e-4 }]);
    b.setOptimizerState(a.state);
    const { x, labels } = inputs(8, 12, 3, 99);
    const la = a.t.step(x, labels, 1e-3).loss;
    const lb = b.step(x, labels, 1e-3).loss;
    expect(lb).toBe(la);
    expect(b.getWeights().get("conv1.weight")).toEqual(a.t.getWeights().get("conv1.weight"));
  });

  it("trains a smaller last batch with the same parameters", async () => {
    const model = perturbedModel("cifar_resnet20", 5);
    const t = await trainerFor(model, { batch: 8, inputSize: 12, trainable: new Set(STAGE_NAMES) });
    open.push(t);
    const before = t.getWeights().get("fc.weight")!;
    const { x, labels } = inputs(5, 12, 3, 1);
    expect(Number.isFinite(t.step(x, labels, 0.1).loss)).toBe(true);
    expect(t.getWeights().get("fc.weight")).not.toEqual(before);
    expect(() => t.step(x.subarray(0, 12 * 12 * 3), [1], 0.1)).toThrow(/at least 2 images/);
  });

  it("rejects what it cannot run with a specific message", async () => {
    const model = perturbedModel("cifar_resnet20", 6);
    const t = await trainerFor(model, { batch: 4, inputSize: 12, trainable: new Set(STAGE_NAMES) });
    open.push(t);
    const { x } = inputs(4, 12, 3, 1);
    expect(() => t.step(x, [0, 1, 2, 10], 0.1)).toThrow(/label 10 outside \[0, 10\)/);
    expect(() => t.step(x.subarray(1), [0, 1, 2, 3], 0.1)).toThrow(/expected 4×12×12×3 values/);
    expect(() => t.setGroups([{ names: ["fc.weight"], lrScale: 1, weightDecay: 0 }])).toThrow(
      /no parameter group for conv1.weight/,
    );
    const resnext = networkPlan({
      ...model.config,
      arch: "resnext50_32x4d",
      block: "bottleneck",
      layers: [1, 1, 1, 1],
      planes: [64, 128, 256, 512],
      groups: 32,
      widthPerGroup: 4,
      cifarStem: false,
    } as never);
    expect(() =>
      buildGraph({
        plan: resnext,
        bnEps: 1e-5,
        bnMomentum: 0.1,
        batch: 2,
        inputSize: 32,
        inputChannels: 3,
        trainable: new Set(STAGE_NAMES),
      }),
    ).toThrow(/grouped convolution layer1.0.conv2 is not supported/);
  });
});
