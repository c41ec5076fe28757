/**
 * wasm inference with and without threads: ResNet-18 and ResNet-50 forward (eval mode, random weights) at
 * 224×224, batch 1. The thread count is fixed per process, so this script runs itself once per setting
 * (RESIDUAL_WASM_THREADS=1, then =N) and prints median ms per image for each and the speed-up.
 *
 *   node --import tsx bench/wasm-threads.ts [threads=min(4, cores)] [repeats=5]
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { type ArchName, createResNet, initBackend } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";

const ARCHS: ArchName[] = ["resnet18", "resnet50"];
const THREADS = Number(process.argv[2] ?? Math.min(4, availableParallelism()));
const REPEATS = Number(process.argv[3] ?? 5);

type Result = { threads: number; ms: Record<string, number> };

/** Child: median ms of one batch-1 forward per architecture, after one warm-up. */
async function child(): Promise<Result> {
  const { threads } = await initBackend({
    env: { ...process.env, RESIDUAL_BACKEND: "wasm" },
    logger: () => {},
  });
  const ms: Record<string, number> = {};
  for (const arch of ARCHS) {
    const model = createResNet(arch, { seed: 0 });
    const x = tf.randomNormal([1, 224, 224, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const times: number[] = [];
    for (let i = 0; i <= REPEATS; i++) {
      const t0 = performance.now();
      const y = model.predict(x);
      await y.data();
      y.dispose();
      if (i > 0) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    ms[arch] = times[Math.floor(times.length / 2)]!;
    x.dispose();
    model.dispose();
  }
  return { threads, ms };
}

function spawnChild(threads: number): Result {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ["--import", "tsx", self, String(THREADS), String(REPEATS)], {
    env: { ...process.env, BENCH_CHILD: "1", RESIDUAL_WASM_THREADS: String(threads) },
    encoding: "utf8",
  });
  if (r.status !== 0)
    throw new Error(`child with ${threads} thread(s) failed: ${r.stderr.trim().slice(-500)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Result;
}

if (process.env.BENCH_CHILD === "1") {
  process.stdout.write(`${JSON.stringify(await child())}\n`);
} else {
  console.log(`wasm forward, batch 1, 224x224, ${REPEATS} runs, ${availableParallelism()} cores visible`);
  const single = spawnChild(1);
  const threaded = spawnChild(THREADS);
  for (const arch of ARCHS) {
    const [a, b] = [single.ms[arch]!, threaded.ms[arch]!];
    console.log(
      `${arch.padEnd(9)} 1 thread ${a.toFixed(0).padStart(5)} ms   ${threaded.threads} threads ${b.toFixed(0).padStart(5)} ms   speed-up ${(a / b).toFixed(2)}x`,
    );
  }
}
