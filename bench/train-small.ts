/**
 * Small-image training end to end: CIFAR ResNet-20 from scratch on 5,000 generated 28×28 grey images of 10
 * classes (4,000 train / 1,000 val, test/support/glyphs.ts), 5 epochs, defaults otherwise —
 * - ours: `residual train <dir> --arch cifar_resnet20 --epochs 5` as a user runs it (a fresh process: startup,
 *   dataset validation, training on the wasm engine, the final evaluation and publishing included);
 * - peer: bench/train_small_torch.py, the same network, recipe and loop in PyTorch with as many threads, run
 *   after ours (never beside it).
 * Prints wall time, images/s and validation top-1 of both and the ratios.
 *
 * Run: node --import tsx bench/train-small.ts [--epochs 5] [--train 4000] [--val 1000]
 */
import { spawnSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeGlyphDataset } from "../test/support/glyphs.js";

const { values } = parseArgs({
  options: {
    epochs: { type: "string", default: "5" },
    train: { type: "string", default: "4000" },
    val: { type: "string", default: "1000" },
  },
});
const epochs = Number(values.epochs);
const [trainCount, valCount] = [Number(values.train), Number(values.val)];
const HERE = import.meta.dirname;
const dir = await writeGlyphDataset({
  dir: join(HERE, `../.bench-out/glyphs-${trainCount}-${valCount}`),
  train: trainCount,
  val: valCount,
});
const threads = availableParallelism();

function ours(): { seconds: number; top1: number } {
  const out = join(tmpdir(), `residual-train-small-${process.pid}`);
  const started = performance.now();
  const args = [join(HERE, "../packages/pipeline/bin/residual.js"), "train", dir, "--arch", "cifar_resnet20"];
  const run = spawnSync(process.execPath, [...args, "--epochs", String(epochs), "--json", "--out", out], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0)
    throw new Error(`residual train failed: ${run.stderr.split("\n").slice(-5).join("\n")}`);
  const result = run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; top1?: number })
    .find((l) => l.type === "result");
  for (const line of run.stderr.split("\n"))
    if (/^(recipe|training engine):/.test(line)) console.log(`  ${line}`);
  return { seconds, top1: result?.top1 ?? Number.NaN };
}

function torch(): { seconds: number; top1: number } | undefined {
  const started = performance.now();
  const script = join(HERE, "train_small_torch.py");
  const run = spawnSync(
    "/usr/bin/python3",
    [script, dir, "--epochs", String(epochs), "--threads", String(threads)],
    { encoding: "utf8" },
  );
  if (run.status !== 0) {
    console.error(`PyTorch peer failed: ${run.stderr.trim().split("\n").pop()}`);
    return undefined;
  }
  const r = JSON.parse(run.stdout.trim().split("\n").pop()!) as { top1: number };
  return { seconds: (performance.now() - started) / 1000, top1: r.top1 };
}

console.log(
  `cifar_resnet20, ${trainCount} train / ${valCount} val 28×28 grey images, 10 classes, ${epochs} epochs, ${threads} threads`,
);
const a = ours();
const rate = (s: number) => ((trainCount * epochs) / s).toFixed(0);
console.log(
  `ours (residual train)   ${a.seconds.toFixed(1)} s  ${rate(a.seconds)} img/s  top-1 ${(100 * a.top1).toFixed(1)}%`,
);
const b = torch();
if (b) {
  console.log(
    `PyTorch (same recipe)   ${b.seconds.toFixed(1)} s  ${rate(b.seconds)} img/s  top-1 ${(100 * b.top1).toFixed(1)}%`,
  );
  console.log(`ours/torch time = ${(a.seconds / b.seconds).toFixed(2)}  (target ≤ 3)`);
  console.log(`top-1 difference = ${(100 * (a.top1 - b.top1)).toFixed(1)} points (target within 1)`);
}
await rm(join(tmpdir(), `residual-train-small-${process.pid}`), { recursive: true, force: true });
