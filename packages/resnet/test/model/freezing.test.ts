import "@tensorflow/tfjs-backend-cpu";
// vitest resolves tfjs-core's extensionless gradient modules (plain Node needs the backend's registerGradients()).
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { cifar_resnet20, type ResNet, STAGE_NAMES, type StageName } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batch, disposeResult, maxAbsDiff, snapshot } from "./support/tensors.js";

const isStat = (n: string) => /running_(mean|var)$/.test(n);
const stageOf = (n: string) => n.split(".")[0] as StageName;
let model: ResNet;
let x: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend("cpu");
  model = cifar_resnet20({ seed: 11 });
  x = batch(4, 16);
});

afterAll(() => {
  model.dispose();
  x.dispose();
});

describe("frozen BatchNorm", () => {
  it("keeps its moving statistics through training-mode forwards while unfrozen ones move", () => {
    model.freezeFirst(0);
    model.freeze(["bn1", "layer2"]);
    const weights = model.namedWeights();
    const before = snapshot(weights, isStat);
    for (let i = 0; i < 3; i++) disposeResult(model.forward(x, { training: true }));
    const after = snapshot(weights, isStat);
    for (const [name, values] of before) {
      const frozen = ["bn1", "layer2"].includes(stageOf(name));
      if (frozen) expect(after.get(name), name).toEqual(values);
      else expect(after.get(name), name).not.toEqual(values);
    }
  });

  it("runs in inference mode: a frozen stem gives the same stem activation in training and eval", () => {
    model.freezeFirst(2);
    const train = model.forwardUntil(x, "bn1", { training: true });
    const evalMode = model.forwardUntil(x, "bn1");
    expect(maxAbsDiff(train, evalMode)).toBe(0);
    model.unfreeze(["bn1"]);
    const unfrozen = model.forwardUntil(x, "bn1", { training: true });
    expect(maxAbsDiff(unfrozen, evalMode)).toBeGreaterThan(1e-3);
    tf.dispose([train, evalMode, unfrozen]);
  });
});

describe("trainable variables", () => {
  it("exclude frozen stages and running statistics, and follow freezeFirst", () => {
    model.freezeFirst(3);
    expect(model.frozenStages()).toEqual(["conv1", "bn1", "layer1"]);
    const names = new Map([...model.namedWeights()].map(([n, v]) => [v, n]));
    const trainable = model.trainableVariables().map((v) => names.get(v)!);
    expect(trainable.some(isStat)).toBe(false);
    expect(new Set(trainable.map(stageOf))).toEqual(new Set(["layer2", "layer3", "fc"]));
    expect([...model.trainableVariablesByStage().keys()]).toEqual(["layer2", "layer3", "fc"]);
    expect(model.trainableVariablesByStage().get("fc")?.length).toBe(2);
    expect(model.namedWeights().get("layer1.0.conv1.weight")?.trainable).toBe(false);
    expect(model.namedWeights().get("layer2.0.conv1.weight")?.trainable).toBe(true);
  });

  it("layer4 of a CIFAR net: freezing it is a no-op, forwardUntil rejects it", () => {
    model.freezeFirst(0);
    model.freeze(["layer4"]);
    expect(model.frozenStages()).toEqual([]);
    expect(() => model.forwardUntil(x, "layer4")).toThrow(expect.objectContaining({ code: "invalid_stage" }));
    model.freezeFirst(STAGE_NAMES.length);
    expect(model.trainableVariables()).toEqual([]);
    expect(() => model.freezeFirst(8)).toThrow(expect.objectContaining({ code: "invalid_stage" }));
    expect(() => model.freeze(["layer9" as StageName])).toThrow(/unknown stage/);
    model.freezeFirst(0);
  });

  it("gradients reach exactly the trainable variables", () => {
    model.freezeFirst(4);
    const vars = model.trainableVariables();
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], "int32"), 10);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.forward(x, { training: true }).logits) as tf.Scalar,
      vars,
    );
    expect(Object.keys(grads).length).toBe(vars.length);
    const norms = Object.values(grads).map((g) => tf.tidy(() => tf.norm(g).dataSync()[0]!));
    expect(norms.every(Number.isFinite)).toBe(true);
    expect(norms.some((n) => n > 0)).toBe(true);
    tf.dispose([labels, value, ...Object.values(grads)]);
    model.freezeFirst(0);
  });
});

describe("forwardUntil / forwardFrom", () => {
  it.each(["conv1", "bn1", "layer1", "layer2", "layer3"] as const)("split at %s equals forward", (stage) => {
    const whole = model.forward(x);
    const h = model.forwardUntil(x, stage);
    const rest = model.forwardFrom(h, stage);
    expect(maxAbsDiff(rest.logits, whole.logits)).toBeLessThan(1e-5);
    expect(maxAbsDiff(rest.features, whole.features)).toBeLessThan(1e-5);
    tf.dispose([whole.logits, whole.features, h, rest.logits, rest.features]);
  });

  it("forwardFrom rejects an activation with the wrong channel count", () => {
    const h = model.forwardUntil(x, "layer1");
    expect(() => model.forwardFrom(h, "layer2")).toThrow(expect.objectContaining({ code: "invalid_input" }));
    h.dispose();
  });
});
