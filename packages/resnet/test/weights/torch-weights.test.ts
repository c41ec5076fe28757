import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-wasm";
import {
  createResNet,
  exportTorchWeights,
  importTorchWeights,
  parseSafetensors,
  type ResNet,
  readNpy,
  WeightsError,
} from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SCRIPT = join(import.meta.dirname, "../../../../test/python/torch_reference.py");
const dir = mkdtempSync(join(tmpdir(), "torch-weights-"));
const weights = join(dir, "resnet18.safetensors");
let model: ResNet;
let x: tf.Tensor4D;

function python(...args: string[]): string {
  return execFileSync("/usr/bin/python3", [SCRIPT, ...args, "--out", dir], { encoding: "utf8" });
}

async function maxAbsDiff(t: tf.Tensor, npyPath: string): Promise<{ diff: number; scale: number }> {
  const ref = await readNpy(npyPath);
  expect(t.shape).toEqual(ref.shape);
  const ours = await t.data();
  let diff = 0;
  let scale = 1;
  ref.data.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - (ours[i] ?? Number.NaN)));
    scale = Math.max(scale, Math.abs(v));
  });
  return { diff, scale };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WeightsError);
  return (err as WeightsError).code;
}

beforeAll(async () => {
  await tf.setBackend("wasm");
  // A 64×64 input keeps this fast; the 224×224 parity run lives in test/integration/torch-parity.test.ts.
  python("reference", "--archs", "resnet18", "--size", "64", "--batch", "2");
  const input = await readNpy(join(dir, "input.npy"));
  x = tf.tidy(() =>
    tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1]),
  );
  model = createResNet("resnet18", { seed: 1 });
});

afterAll(() => {
  model?.dispose();
  x?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("importTorchWeights / exportTorchWeights", () => {
  it("reproduces torchvision's logits and features, leaking no tensor", async () => {
    const before = tf.memory().numTensors;
    const report = await importTorchWeights(model, weights);
    expect(tf.memory().numTensors).toBe(before);
    expect(report.loaded).toHaveLength(model.namedWeights().size);
    expect(report.ignored.every((k) => k.endsWith("num_batches_tracked"))).toBe(true);
    expect(report.ignored.length).toBeGreaterThan(0);
    const { features, logits } = model.forward(x);
    try {
      for (const [t, file] of [
        [logits, "resnet18.logits.npy"],
        [features, "resnet18.features.npy"],
      ] as const) {
        const { diff, scale } = await maxAbsDiff(t, join(dir, file));
        expect(diff).toBeLessThanOrEqual(1e-4 * scale);
      }
    } finally {
      features.dispose();
      logits.dispose();
    }
  });

  it("exports back to the same torch tensors, which torchvision loads strictly", async () => {
    const before = tf.memory().numTensors;
    const bytes = await exportTorchWeights(model);
    expect(tf.memory().numTensors).toBe(before);
    const ours = parseSafetensors(bytes);
    const theirs = parseSafetensors(readFileSync(weights));
    expect([...ours.entries.keys()].sort()).toEqual([...theirs.entries.keys()].sort());
    for (const [name, e] of theirs.entries) {
      expect(ours.entries.get(name)?.shape, name).toEqual(e.shape);
      if (e.dtype !== "F32") continue;
      // A plain loop: vitest's deep equality takes minutes on 11M floats.
      const [a, b] = [ours.float32(name), theirs.float32(name)];
      expect(a.length, name).toBe(b.length);
      expect(
        a.findIndex((v, i) => v !== b[i]),
        name,
      ).toBe(-1);
    }
    const exported = join(dir, "exported.safetensors");
    writeFileSync(exported, bytes);
    const verdict = JSON.parse(python("verify", "--archs", "resnet18", "--weights", exported)) as {
      maxAbsDiff: number;
    };
    expect(verdict.maxAbsDiff).toBeLessThan(1e-5);
  });

  it("refuses a different class count unless asked to reset the head", async () => {
    const small = createResNet("resnet18", { numClasses: 10, seed: 2 });
    try {
      await expect(importTorchWeights(small, weights)).rejects.toThrow(
        /1000-class head.*10 classes.*resetHead/,
      );
      const headBefore = await small.namedWeights().get("fc.weight")?.data();
      const report = await importTorchWeights(small, weights, { resetHead: true });
      expect(report).toMatchObject({ headReset: true, sourceClasses: 1000 });
      expect(await small.namedWeights().get("fc.weight")?.data()).toEqual(headBefore);
      const features = small.features(x);
      const { diff, scale } = await maxAbsDiff(features, join(dir, "resnet18.features.npy"));
      features.dispose();
      expect(diff).toBeLessThanOrEqual(1e-4 * scale);
    } finally {
      small.dispose();
    }
  });

  it("lists mismatched keys and leaves the model untouched", async () => {
    const other = createResNet("resnet34", { seed: 3 });
    try {
      const conv1 = await other.namedWeights().get("conv1.weight")?.data();
      const err = await importTorchWeights(other, weights).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WeightsError);
      expect((err as WeightsError).code).toBe("weights_mismatch");
      expect((err as Error).message).toMatch(/does not fit resnet34.*missing.*layer1\.2\.conv1\.weight/);
      expect(await other.namedWeights().get("conv1.weight")?.data()).toEqual(conv1);
    } finally {
      other.dispose();
    }
  });

  it("refuses pickled .pth checkpoints with the conversion command", async () => {
    const pth = join(dir, "model.pth");
    execFileSync("/usr/bin/python3", [
      "-c",
      `import torch; torch.save({"a": torch.zeros(2)}, ${JSON.stringify(pth)})`,
    ]);
    await expect(importTorchWeights(model, pth)).rejects.toThrow(
      /pickled PyTorch checkpoint.*safetensors\.torch/,
    );
    expect(await codeOf(importTorchWeights(model, readFileSync(pth)))).toBe("weights_unsupported_format");
  });

  it("strips DataParallel's module. prefix", async () => {
    const st = parseSafetensors(readFileSync(weights));
    const { encodeSafetensors } = await import("../../src/weights/safetensors.js");
    const prefixed = new Map(
      [...st.entries.values()]
        .filter((e) => e.dtype === "F32")
        .map((e) => [`module.${e.name}`, { shape: e.shape, data: st.float32(e.name) }]),
    );
    const fresh = createResNet("resnet18", { seed: 4 });
    try {
      const report = await importTorchWeights(fresh, encodeSafetensors(prefixed));
      expect(report.loaded).toContain("layer4.1.bn2.running_var");
      expect(await fresh.namedWeights().get("fc.bias")?.data()).toEqual(st.float32("fc.bias"));
    } finally {
      fresh.dispose();
    }
  });
});
