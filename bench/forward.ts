/**
 * Forward-pass benchmark: ResNet-18 and ResNet-50 at 224×224, batch 1 and 8, eval mode, on the chosen tfjs
 * backend beside onnxruntime-node and PyTorch (same seeded random weights, exported by test/python/torch_reference.py).
 * Prints ms/image and the ratio to the fastest engine for each (arch, batch). Every engine gets the thread count
 * the tfjs backend uses (BENCH_THREADS overrides), so the ratios compare kernels, not core counts.
 *
 *   node --import tsx bench/forward.ts            # BENCH_REPEATS=5 BENCH_ARCHS=resnet18 to change the run
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ArchName, createResNet, importTorchWeights, initBackend } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import * as ort from "onnxruntime-node";

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(import.meta.dirname, "../test/python/torch_reference.py");
const ARCHS = (process.env.BENCH_ARCHS ?? "resnet18,resnet50").split(",") as ArchName[];
const BATCHES = [1, 8];
const SIZE = 224;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

type Row = { arch: string; batch: number; engine: string; msPerImage: number };

/** Median of `REPEATS` timed runs after one warm-up, in ms per image. */
async function time(batch: number, run: () => Promise<void>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return (times[Math.floor(times.length / 2)] ?? Number.NaN) / batch;
}

async function benchTfjs(arch: ArchName, weights: string, backend: string): Promise<Row[]> {
  const model = createResNet(arch);
  await importTorchWeights(model, weights);
  const rows: Row[] = [];
  try {
    for (const batch of BATCHES) {
      const x = tf.randomNormal([batch, SIZE, SIZE, 3]) as tf.Tensor4D;
      const ms = await time(batch, async () => {
        const y = model.predict(x);
        await y.data();
        y.dispose();
      });
      x.dispose();
      rows.push({ arch, batch, engine: `tfjs-${backend}`, msPerImage: ms });
    }
  } finally {
    model.dispose();
  }
  return rows;
}

async function benchOrt(arch: string, onnxPath: string, threads: number): Promise<Row[]> {
  const session = await ort.InferenceSession.create(onnxPath, {
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const rows: Row[] = [];
  try {
    for (const batch of BATCHES) {
      const data = Float32Array.from({ length: batch * 3 * SIZE * SIZE }, () => Math.random() - 0.5);
      const input = new ort.Tensor("float32", data, [batch, 3, SIZE, SIZE]);
      const ms = await time(batch, async () => {
        await session.run({ input });
      });
      rows.push({ arch, batch, engine: "onnxruntime-node", msPerImage: ms });
    }
  } finally {
    await session.release();
  }
  return rows;
}

function benchTorch(threads: number): Row[] {
  const args = [
    "bench",
    "--archs",
    ARCHS.join(","),
    "--batches",
    BATCHES.join(","),
    "--threads",
    String(threads),
  ];
  const out = execFileSync(PYTHON, [SCRIPT, ...args, "--repeats", String(REPEATS)], { encoding: "utf8" });
  return Object.entries(JSON.parse(out) as Record<string, number>).map(([key, ms]) => {
    const [arch = "", batch = "0"] = key.split("@");
    return { arch, batch: Number(batch), engine: "pytorch", msPerImage: ms };
  });
}

function print(rows: Row[]): void {
  console.log("arch       batch  engine              ms/image  ×fastest");
  for (const arch of ARCHS) {
    for (const batch of BATCHES) {
      const group = rows.filter((r) => r.arch === arch && r.batch === batch);
      const best = Math.min(...group.map((r) => r.msPerImage));
      for (const r of group.sort((a, b) => a.msPerImage - b.msPerImage)) {
        const cols = [arch.padEnd(10), String(batch).padStart(5), r.engine.padEnd(18)];
        console.log(
          `${cols.join("  ")}  ${r.msPerImage.toFixed(1).padStart(8)}  ${(r.msPerImage / best).toFixed(2)}`,
        );
      }
    }
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-forward-"));
  try {
    execFileSync(PYTHON, [SCRIPT, "onnx", "--out", dir, "--archs", ARCHS.join(","), "--size", String(SIZE)]);
    const choice = await initBackend();
    const threads = Number(process.env.BENCH_THREADS ?? choice.threads);
    const rows: Row[] = [];
    for (const arch of ARCHS) {
      rows.push(...(await benchTfjs(arch, join(dir, `${arch}.safetensors`), choice.backend)));
      rows.push(...(await benchOrt(arch, join(dir, `${arch}.onnx`), threads)));
    }
    const hasTorch = spawnSync(PYTHON, ["-c", "import torch"]).status === 0;
    if (hasTorch) rows.push(...benchTorch(threads));
    else console.log(`(PyTorch skipped: '${PYTHON} -c "import torch"' failed)`);
    console.log(
      `tfjs ${choice.backend} threads=${choice.threads}; ort/torch threads=${threads}; median of ${REPEATS}`,
    );
    print(rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
