import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { createOnnxEngine } from "@residual/pipeline";
import { createTfjsEngine } from "@residual/pipeline/testing";
import { createResNet, initBackend } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

const BIN = resolve(import.meta.dirname, "../../../packages/pipeline/bin/residual.js");

describe("residual export onnx + engines agree", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
  });

  it("exports a saved model; onnx and tfjs engines give the same outputs; no tensor leaks", async () => {
    const dir = await mkdtemp(join(tmpdir(), "export-"));
    const model = createResNet("cifar_resnet20", { seed: 5, numClasses: 4 });
    await model.save(join(dir, "m"));
    const out = join(dir, "m.onnx");
    const { stdout } = await promisify(execFile)(process.execPath, [
      BIN,
      "export",
      "onnx",
      "--model",
      join(dir, "m"),
      "--out",
      out,
    ]);
    expect(stdout).toMatch(/wrote .*m\.onnx \(cifar_resnet20/);
    const onnx = await createOnnxEngine(await readFile(out));
    const tfjs = createTfjsEngine(model);
    const x = new Float32Array(3 * 32 * 32 * 3).map((_, i) => Math.sin(i));
    const before = tf.memory().numTensors;
    const a = await tfjs.run(x, 3, 32);
    expect(tf.memory().numTensors).toBe(before);
    const b = await onnx.run(x, 3, 32);
    expect([b.featureDim, b.numClasses]).toEqual([64, 4]);
    const scale = Math.max(...Array.from(a.logits, Math.abs));
    expect(Math.max(...Array.from(a.logits, (v, i) => Math.abs(v - b.logits[i]!))) / scale).toBeLessThan(
      1e-4,
    );
    await expect(onnx.run(x, 2, 32)).rejects.toMatchObject({ code: "invalid_batch" });
    await onnx.dispose();
    await tfjs.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
