import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readNpy, writeNpy } from "@residual/resnet";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runResidual } from "../../support/cli.js";

let dir: string;

const run = (args: string[]) => runResidual(args);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "residual-train-cli-"));
  const colors = { warm: [230, 90, 30], cool: [30, 110, 220] } as const;
  for (const [name, [r, g, b]] of Object.entries(colors)) {
    await mkdir(join(dir, "shades", name), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const d = (i * 13) % 40;
      const img = sharp({
        create: { width: 40, height: 40, channels: 3, background: { r: r - d / 2, g: g + d / 2, b } },
      });
      await writeFile(join(dir, "shades", name, `${i}.png`), await img.png().toBuffer());
    }
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("residual train", () => {
  it("trains a folder dataset locally, emitting JSON lines, and publishes to --out", async () => {
    const out = join(dir, "out");
    const args = [
      "train",
      join(dir, "shades"),
      "--arch",
      "cifar_resnet20",
      "--image-size",
      "32",
      "--epochs",
      "2",
    ];
    const res = await run([...args, "--batch-size", "6", "--freeze", "5", "--out", out, "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(lines.filter((l) => l.type === "epoch")).toHaveLength(2);
    expect(lines.some((l) => l.type === "step" && typeof l.imagesPerSec === "number")).toBe(true);
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ type: "result", model: "shades" });
    const latest = (await readFile(join(out, "models", "shades", "latest"))).toString().trim();
    expect(latest).toContain(String(result.version));
    const labels = JSON.parse(
      (await readFile(join(out, "models", "shades", String(result.version), "labels.json"))).toString(),
    );
    expect(labels).toEqual(["cool", "warm"]);
  });

  it("classify / embed --model take what train --out wrote: the store, its model folder, a version folder", async () => {
    const out = join(dir, "out");
    const version = (await readFile(join(out, "models", "shades", "latest"))).toString().trim();
    const image = join(dir, "shades", "warm", "0.png");
    for (const model of [out, join(out, "models", "shades"), join(out, "models", "shades", version)]) {
      const r = await run(["classify", image, "--model", model, "--top-k", "2", "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const row = JSON.parse(r.stdout) as {
        file: string;
        model: string;
        version: string;
        predictions: unknown[];
      };
      expect(row).toMatchObject({ file: image, model: "shades", version });
      expect(row.predictions).toHaveLength(2);
    }
    const e = await run(["embed", image, "--model", out, "--json"]);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ file: image, model: "shades", version, dim: 64 });
    const npy = join(dir, "x.npy");
    await writeNpy(npy, { shape: [2, 32, 32, 3], data: new Float32Array(2 * 32 * 32 * 3).fill(0.1) });
    const inferred = await run([
      "infer",
      "--model",
      out,
      "--input",
      npy,
      "--output",
      join(dir, "y.npy"),
      "--json",
    ]);
    expect(inferred.code, inferred.stderr).toBe(0);
    expect(JSON.parse(inferred.stdout)).toEqual({ output: join(dir, "y.npy"), shape: [2, 2] });
    expect((await readNpy(join(dir, "y.npy"))).shape).toEqual([2, 2]);
    const exported = await run([
      "export",
      "onnx",
      "--model",
      `shades@${version}`,
      "--store",
      out,
      "--out",
      join(dir, "m.onnx"),
      "--json",
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ arch: "cifar_resnet20", opset: 17 });
    const both = await run(["classify", image, "--model", out, "--store", out]);
    expect([both.code, both.stderr]).toEqual([1, expect.stringContaining("[invalid_options]")]);
    const notModel = await run(["classify", image, "--model", join(dir, "shades")]);
    expect([notModel.code, notModel.stderr]).toEqual([1, expect.stringContaining("[not_a_model_directory]")]);
  });

  it("rejects bad flags with every issue, before reading the dataset", async () => {
    const res = await run([
      "train",
      join(dir, "missing"),
      "--arch",
      "resnet7",
      "--epochs",
      "0",
      "--out",
      dir,
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("[invalid_job_spec]");
    expect(res.stderr).toContain("arch");
    expect(res.stderr).toContain("epochs");
  });
});
