/**
 * Parity with torchvision: seeded random-init models (BatchNorm statistics and γ/β randomised too) evaluated by
 * PyTorch in one python process, imported through the safetensors path and evaluated on the wasm backend.
 * Needs Debian's python3-torch / python3-torchvision at /usr/bin/python3 (CI installs them).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ArchName, createResNet, importTorchWeights, type NpyArray, readNpy } from "@residual/resnet";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(import.meta.dirname, "../python/torch_reference.py");
const ARCHS = [
  "resnet18",
  "resnet50",
  "resnext50_32x4d",
  "wide_resnet50_2",
] as const satisfies readonly ArchName[];
const dir = mkdtempSync(join(tmpdir(), "torch-parity-"));
let x: tf.Tensor4D;

/** max |ours − torch| and the tolerance 1e-4 · max(1, max |torch|). */
function compare(ours: Float32Array | Int32Array | Uint8Array, ref: NpyArray): { diff: number; tol: number } {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < ref.data.length; i++) {
    const r = ref.data[i] ?? 0;
    diff = Math.max(diff, Math.abs(r - (ours[i] ?? Number.NaN)));
    scale = Math.max(scale, Math.abs(r));
  }
  return { diff: Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff, tol: 1e-4 * scale };
}

beforeAll(async () => {
  const probe = spawnSync(PYTHON, ["-c", "import torch, torchvision"], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(
      `torch parity needs PyTorch: '${PYTHON} -c "import torch, torchvision"' failed (${probe.error?.message ?? probe.stderr.trim()}). Install python3-torch and python3-torchvision (Debian) — CI does.`,
    );
  }
  execFileSync(PYTHON, [
    SCRIPT,
    "reference",
    "--out",
    dir,
    "--archs",
    ARCHS.join(","),
    "--batch",
    "2",
    "--size",
    "224",
  ]);
  await tf.setBackend("wasm");
  const input = await readNpy(join(dir, "input.npy"));
  x = tf.tidy(() =>
    tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1]),
  );
}, 300_000);

afterAll(() => {
  x?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("parity with torchvision 0.14 (224×224, batch 2, eval mode)", () => {
  for (const arch of ARCHS) {
    it(`${arch}: logits and pooled features within 1e-4 relative`, async () => {
      const model = createResNet(arch);
      const before = tf.memory().numTensors;
      try {
        await importTorchWeights(model, join(dir, `${arch}.safetensors`));
        const { features, logits } = model.forward(x);
        const [f, l] = await Promise.all([features.data(), logits.data()]);
        tf.dispose([features, logits]);
        expect(tf.memory().numTensors).toBe(before);
        const lr = compare(l, await readNpy(join(dir, `${arch}.logits.npy`)));
        const fr = compare(f, await readNpy(join(dir, `${arch}.features.npy`)));
        expect(lr.diff, `${arch} logits max|Δ| ${lr.diff} > ${lr.tol}`).toBeLessThanOrEqual(lr.tol);
        expect(fr.diff, `${arch} features max|Δ| ${fr.diff} > ${fr.tol}`).toBeLessThanOrEqual(fr.tol);
        expect([logits.shape, features.shape]).toEqual([
          [2, 1000],
          [2, model.featureDim],
        ]);
      } finally {
        model.dispose();
      }
    });
  }
});
