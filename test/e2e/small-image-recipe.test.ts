/**
 * The small-image recipe reaches the PyTorch reference's accuracy at equal network and epochs, with no flags:
 * `residual train <dir> --arch cifar_resnet20 --epochs 5` against bench/train_small_torch.py (the same recipe in
 * PyTorch) on 5,000 generated 28×28 grey images of 10 classes, the same train/val split for both. The dataset is
 * kept under .bench-out/ so bench/train-small.ts reuses it.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runResidual } from "../support/cli.js";
import { writeGlyphDataset } from "../support/glyphs.js";

const ROOT = join(import.meta.dirname, "../..");
let dir: string;
let out: string;

beforeAll(async () => {
  dir = await writeGlyphDataset({ dir: join(ROOT, ".bench-out/glyphs-4000-1000"), train: 4000, val: 1000 });
  out = await mkdtemp(join(tmpdir(), "residual-small-recipe-"));
}, 300_000);
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe("small-image recipe", () => {
  it("is within 1 point of the PyTorch recipe's validation top-1 after 5 epochs", async () => {
    const ours = await runResidual([
      "train",
      dir,
      "--arch",
      "cifar_resnet20",
      "--epochs",
      "5",
      "--json",
      "--out",
      out,
    ]);
    expect(ours.code, ours.stderr).toBe(0);
    expect(ours.stderr).toMatch(
      /recipe: small_images \(cifar_resnet20 is a CIFAR ResNet\): 28 px, 1 channel/,
    );
    expect(ours.stderr).toMatch(/training engine: wasm/);
    expect(ours.stderr).toMatch(
      /dataset: 10 classes, 4000 train \/ 1000 val \(given\), 0 skipped(, \d+ warning\(s\))?; read and validated in \d+\.\d s/,
    );
    const result = JSON.parse(ours.stdout.trim().split("\n").pop()!) as {
      top1: number;
      model: string;
      version: string;
    };
    const job = JSON.parse(
      await readFile(join(out, "models", result.model, result.version, "job.json"), "utf8"),
    ) as { spec: { recipe: string; augment: { kind: string; pad: number }; inChannels: number } };
    expect(job.spec).toMatchObject({
      recipe: "small_images",
      inChannels: 1,
      augment: { kind: "pad_crop", pad: 4 },
    });
    const card = await readFile(join(out, "models", result.model, result.version, "model-card.md"), "utf8");
    expect(card).toContain("Recipe `small_images`");

    const torch = spawnSync(
      "/usr/bin/python3",
      [join(ROOT, "bench/train_small_torch.py"), dir, "--epochs", "5"],
      {
        encoding: "utf8",
      },
    );
    expect(torch.status, torch.stderr).toBe(0);
    const peer = JSON.parse(torch.stdout.trim().split("\n").pop()!) as { top1: number };
    expect(peer.top1).toBeGreaterThan(0.8);
    expect(Math.abs(result.top1 - peer.top1)).toBeLessThanOrEqual(0.01);
  }, 900_000);
});
