/**
 * Transfer learning from our own models pays: a CIFAR ResNet-20 pretrained on five glyph classes, then fine-tuned
 * (`residual train --pretrained model:<name>`) on five *other* classes with 50 labelled images each, beats the same
 * network trained from scratch on those 250 images by a clear margin, at the same recipe and epochs. Both
 * accuracies are printed (`transfer-beats-scratch:` line) for the notes.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runResidual } from "../../support/cli.js";
import { GLYPH_CLASSES, makeGlyph } from "../../support/glyphs.js";
import { testRng } from "../../support/images.js";
import { useTempDir } from "../../support/temp-dir.js";

const dir = useTempDir("residual-transfer-");
// The glyphs' look-alike pairs (cross/x, square/diamond) are split across the two sets, so the new classes are
// separable and what limits scratch is the 250 images, not the data.
const PRETRAIN = [0, 1, 2, 3, 6]; // circle, vbar, hbar, square, x
const FINETUNE = [4, 5, 7, 8, 9]; // triangle, cross, diamond, rings, disk

async function writeGlyphs(root: string, classes: number[], train: number, val: number, seed: number) {
  const rng = testRng(seed);
  for (const [split, count] of [
    ["train", train],
    ["val", val],
  ] as const) {
    for (const c of classes) {
      await mkdir(join(root, split, GLYPH_CLASSES[c]!), { recursive: true });
      for (let i = 0; i < count; i++)
        await writeFile(join(root, split, GLYPH_CLASSES[c]!, `${i}.png`), await makeGlyph(c, rng));
    }
  }
}

/** `residual train` → its result line (`top1`, model, version). */
async function train(data: string, out: string, args: string[]) {
  const common = ["--arch", "cifar_resnet20", "--batch-size", "32", "--json", "--out", out];
  const res = await runResidual(["train", data, ...common, ...args]);
  expect(res.code, res.stderr).toBe(0);
  return {
    result: JSON.parse(res.stdout.trim().split("\n").pop()!) as {
      top1: number;
      model: string;
      version: string;
    },
    stderr: res.stderr,
  };
}

describe("incremental training: transfer beats scratch", () => {
  it("fine-tuning from a model pretrained on other classes beats scratch on 5 × 50 images", async () => {
    const out = join(dir(), "store");
    const source = join(dir(), "glyphs-source");
    const target = join(dir(), "glyphs-target");
    await writeGlyphs(source, PRETRAIN, 240, 20, 11);
    await writeGlyphs(target, FINETUNE, 50, 60, 12);

    const parent = await train(source, out, ["--epochs", "6"]);
    expect(parent.result.top1).toBeGreaterThan(0.8); // the parent learned strokes worth transferring

    const epochs = ["--epochs", "4"];
    const tuned = await train(target, out, [...epochs, "--pretrained", `model:${parent.result.model}`]);
    const scratch = await train(target, join(dir(), "scratch"), [...epochs, "--pretrained", "none"]);
    expect(tuned.stderr).toContain(`starting from model ${parent.result.model}@${parent.result.version}`);
    const job = JSON.parse(
      await readFile(join(out, "models", tuned.result.model, tuned.result.version, "job.json"), "utf8"),
    ) as { lineage: { parent: string; head: string }; spec: { inChannels: number } };
    expect(job.lineage).toMatchObject({ parent: parent.result.model, head: "reset" });
    expect(job.spec.inChannels).toBe(1); // continues the grey parent on one channel

    const line = `transfer-beats-scratch: parent top-1 ${parent.result.top1.toFixed(3)}; on 5 new classes × 50 images, fine-tuned ${tuned.result.top1.toFixed(3)} vs scratch ${scratch.result.top1.toFixed(3)}`;
    process.stderr.write(`${line}\n`);
    expect(tuned.result.top1 - scratch.result.top1, line).toBeGreaterThanOrEqual(0.2); // a clear margin: 20 points
  }, 600_000);
});
