import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import "@tensorflow/tfjs-backend-cpu";
import {
  cifar_resnet20,
  fileSystemHandler,
  loadResNet,
  MODEL_FORMAT,
  type ResNet,
  WeightsMismatchError,
} from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batch, disposeResult, leaked, maxAbsDiff } from "./support/tensors.js";

let dir: string;
let model: ResNet;
let x: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(path.join(tmpdir(), "resnet-save-"));
  model = cifar_resnet20({ numClasses: 4, seed: 21 });
  // Move the BN statistics away from their init so the round trip has something to prove.
  const warmup = batch(4, 8, 3, 1);
  disposeResult(model.forward(warmup, { training: true }));
  warmup.dispose();
  x = batch(2, 8);
});

afterAll(() => {
  model.dispose();
  x.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function expectSameOutputs(a: ResNet, b: ResNet): Promise<void> {
  const [pa, pb] = [a.predict(x), b.predict(x)];
  expect(maxAbsDiff(pa, pb)).toBe(0);
  tf.dispose([pa, pb]);
}

describe("save / loadResNet", () => {
  it("round-trips a directory: config, frozen stages, every weight (running stats too)", async () => {
    model.freeze(["conv1", "layer1"]);
    const target = path.join(dir, "plain");
    const result = await model.save(target);
    expect(result.modelArtifactsInfo.weightDataBytes).toBeGreaterThan(0);
    const json = JSON.parse(readFileSync(path.join(target, "model.json"), "utf8"));
    expect(json.modelTopology).toMatchObject({
      format: MODEL_FORMAT,
      version: 1,
      frozen: ["conv1", "layer1"],
    });
    expect(json.weightsManifest[0].paths).toEqual(["weights.bin"]);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain("bn1.running_var");

    const loaded = await loadResNet(`file://${target}`);
    expect(loaded.config).toEqual(model.config);
    expect(loaded.frozenStages()).toEqual(["conv1", "layer1"]);
    const theirs = loaded.namedWeights();
    for (const [name, v] of model.namedWeights()) expect(maxAbsDiff(theirs.get(name)!, v), name).toBe(0);
    await expectSameOutputs(model, loaded);
    loaded.dispose();
    model.freezeFirst(0);
  });

  it("keeps GroupNorm configs (no running statistics saved)", async () => {
    const gn = cifar_resnet20({ norm: "group", normGroups: 4, seed: 2 });
    const target = path.join(dir, "gn");
    await gn.save(fileSystemHandler(target));
    const loaded = await loadResNet(fileSystemHandler(target));
    expect(loaded.config.norm).toBe("group");
    expect(loaded.config.normGroups).toBe(4);
    expect([...loaded.namedWeights().keys()].some((n) => n.includes("running"))).toBe(false);
    await expectSameOutputs(gn, loaded);
    gn.dispose();
    loaded.dispose();
  });

  it("works through any tf.io handler (in-memory)", async () => {
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    const loaded = await loadResNet(tf.io.fromMemory(saved!));
    await expectSameOutputs(model, loaded);
    loaded.dispose();
  });

  it("leaks no tensor across save and load", async () => {
    const target = path.join(dir, "leak");
    const before = tf.memory().numTensors;
    await model.save(target);
    const loaded = await loadResNet(target);
    expect(tf.memory().numTensors - before).toBe(loaded.namedWeights().size);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("bad sources", () => {
  it("a directory without model.json: model_not_found", async () => {
    await expect(loadResNet(path.join(dir, "nothing-here"))).rejects.toMatchObject({
      code: "model_not_found",
      message: expect.stringContaining("no model.json"),
    });
  });

  it("a foreign model.json: invalid_model_file naming the format", async () => {
    const target = path.join(dir, "foreign");
    await model.save(target);
    const json = JSON.parse(readFileSync(path.join(target, "model.json"), "utf8"));
    json.modelTopology = { class_name: "Sequential", config: {} };
    writeFileSync(path.join(target, "model.json"), JSON.stringify(json));
    await expect(loadResNet(target)).rejects.toMatchObject({
      code: "invalid_model_file",
      message: expect.stringContaining("not a residual-resnet model"),
    });
    writeFileSync(path.join(target, "model.json"), "{ not json");
    await expect(loadResNet(target)).rejects.toMatchObject({ code: "invalid_model_file" });
  });

  it("a broken config: invalid_model_file listing the field", async () => {
    const target = path.join(dir, "broken");
    await model.save(target);
    const json = JSON.parse(readFileSync(path.join(target, "model.json"), "utf8"));
    json.modelTopology.config.arch = "resnet19";
    writeFileSync(path.join(target, "model.json"), JSON.stringify(json));
    await expect(loadResNet(target)).rejects.toMatchObject({
      message: expect.stringContaining("config.arch"),
    });
  });

  it("a truncated weights.bin: invalid_model_file, no tensor left behind", async () => {
    const target = path.join(dir, "truncated");
    await model.save(target);
    const bin = readFileSync(path.join(target, "weights.bin"));
    writeFileSync(path.join(target, "weights.bin"), bin.subarray(0, bin.length - 4));
    const before = tf.memory().numTensors;
    await expect(loadResNet(target)).rejects.toMatchObject({
      code: "invalid_model_file",
      message: expect.stringContaining("do not match their manifest"),
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("weights that do not fit the saved config: weights_mismatch, no tensor left behind", async () => {
    const target = path.join(dir, "other-head");
    await model.save(target);
    const json = JSON.parse(readFileSync(path.join(target, "model.json"), "utf8"));
    json.modelTopology.config.numClasses = 7;
    writeFileSync(path.join(target, "model.json"), JSON.stringify(json));
    const before = tf.memory().numTensors;
    await expect(loadResNet(target)).rejects.toMatchObject({
      code: "weights_mismatch",
      misshaped: [
        { name: "fc.weight", expected: [64, 7], actual: [64, 4] },
        { name: "fc.bias", expected: [7], actual: [4] },
      ],
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("mismatched weights: one error listing missing, unexpected and misshaped keys, nothing written", () => {
    const fresh = cifar_resnet20({ numClasses: 4, seed: 99 });
    const before = fresh.predict(x);
    const weights = new Map(model.namedWeights() as Map<string, tf.Tensor>);
    weights.delete("layer1.0.bn1.running_mean");
    const extra = tf.zeros([3]);
    const wrong = tf.zeros([64, 5]);
    weights.set("layer4.0.conv1.weight", extra);
    weights.set("fc.weight", wrong);
    let err: unknown;
    try {
      fresh.loadWeights(weights);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeightsMismatchError);
    const m = err as WeightsMismatchError;
    expect(m.code).toBe("weights_mismatch");
    expect(m.missing).toEqual(["layer1.0.bn1.running_mean"]);
    expect(m.unexpected).toEqual(["layer4.0.conv1.weight"]);
    expect(m.misshaped).toEqual([{ name: "fc.weight", expected: [64, 4], actual: [64, 5] }]);
    expect(m.message).toMatch(
      /missing 1: layer1\.0\.bn1\.running_mean.*unexpected 1.*wrong shape 1: fc\.weight/,
    );
    const after = fresh.predict(x);
    expect(maxAbsDiff(before, after)).toBe(0);
    expect(leaked(() => expect(() => fresh.loadWeights({})).toThrow(WeightsMismatchError))).toBe(0);
    tf.dispose([before, after, extra, wrong]);
    fresh.dispose();
  });
});
