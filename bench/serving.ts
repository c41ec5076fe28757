/**
 * Serving benchmark (prints ours vs the named peer, and the ratio, in one run). The machine is shared, so every
 * comparison alternates ours and the peer run by run (or block by block) in the same process, and takes medians.
 * 1. model compute: our engine as serving loads it (ORT-format cache, micro-batcher), with the session on the
 *    main thread (Lambda) and on a worker (server), vs a bare onnxruntime-node session with default options on
 *    the same model.onnx (ResNet-18/50, batch 1/8), steady state;
 * 2. end-to-end POST /v1/embeddings (224×224 JPEG, ResNet-50): p50 at concurrency 1 vs bare ORT batch 1, and
 *    throughput at concurrency 8 vs bare ORT at batch 1 and batch 8 (images/s);
 * 3. cold start, spawn → first ResNet-50 embedding: the prebuilt bundle (`dist/residual.mjs`) and the tsx bin,
 *    with and without `--preload`, plus the first-ever start (no ORT-format cache yet); peak RSS;
 * 4. PyTorch eager (`/usr/bin/python3`, torch) on the same shapes vs bare ORT.
 * Run: node --import tsx bench/serving.ts [--compute]
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { LocalObjectStore, publishModel, ServingCore, startServer } from "@residual/pipeline";
import { buildBundle, onnxSessionOptions, openOnnxEngine, openOrtSession } from "@residual/pipeline/testing";
import { createResNet, exportOnnx, initBackend } from "@residual/resnet";
import ort from "onnxruntime-node";
import sharp from "sharp";
import { coldStart } from "./serving-cold.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => x.toFixed(1);
const ms = async (fn: () => Promise<unknown>) => {
  const s = performance.now();
  await fn();
  return performance.now() - s;
};

/**
 * Alternate `a` and `b` `iters` times (after one warm-up each): medians in ms, and the median of the per-pair
 * ratios a/b (robust to load that drifts during the run, which a ratio of medians is not).
 */
async function interleaved(iters: number, a: () => Promise<unknown>, b: () => Promise<unknown>) {
  await a();
  await b();
  const ta: number[] = [];
  const tb: number[] = [];
  // A short pause before each run lets the other session's spinning ORT threads go idle first.
  const nap = () => new Promise((ok) => setTimeout(ok, 10));
  for (let i = 0; i < iters; i++) {
    await nap();
    ta.push(await ms(a));
    await nap();
    tb.push(await ms(b));
  }
  return [median(ta), median(tb), median(ta.map((t, i) => t / tb[i]!))] as const;
}

function onnxBytes(arch: "resnet18" | "resnet50"): Uint8Array {
  const m = createResNet(arch, { seed: 1 });
  try {
    return exportOnnx(m);
  } finally {
    m.dispose();
  }
}

/** Round trip of one 224² image to a worker thread and a 2048-float reply: the engine's thread hop. */
async function threadHop(): Promise<number> {
  const code = `const { parentPort } = require("node:worker_threads");
    parentPort.on("message", () => parentPort.postMessage(new Float32Array(2048)));`;
  const w = new Worker(code, { eval: true });
  const x = new Float32Array(224 * 224 * 3);
  const t: number[] = [];
  for (let i = 0; i < 100; i++) {
    const roundTrip = () =>
      new Promise((ok) => {
        w.once("message", ok);
        w.postMessage(x);
      });
    t.push(await ms(roundTrip));
  }
  await w.terminate();
  return median(t.slice(10));
}

/**
 * Steady-state ms per run of each contestant: rounds of blocks (one block per contestant, rotating who goes
 * first), `per` back-to-back runs per block after a pause, the block's median over its runs after the first two.
 * Blocks, not single alternating runs: switching sessions on every run measures one session's spinning ORT
 * threads getting in the other's way (up to 2× here), which a server with one session per model never sees.
 * Returns each contestant's median block time and the median over rounds of its ratio to `base`.
 */
async function blocks(
  contestants: Record<string, () => Promise<unknown>>,
  base: string,
  rounds: number,
  per: number,
): Promise<Map<string, { ms: number; ratio: number }>> {
  const names = Object.keys(contestants);
  const times = new Map(names.map((k) => [k, [] as number[]]));
  for (const f of Object.values(contestants)) await f(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(r + j) % names.length]!;
      await new Promise((ok) => setTimeout(ok, 100));
      const t: number[] = [];
      for (let i = 0; i < per + 2; i++) t.push(await ms(contestants[name]!));
      times.get(name)!.push(median(t.slice(2)));
    }
  }
  const b = times.get(base)!;
  return new Map(
    names.map((k) => {
      const v = times.get(k)!;
      return [k, { ms: median(v), ratio: median(v.map((t, i) => t / b[i]!)) }];
    }),
  );
}

async function computeBench(store: LocalObjectStore, bytes: Map<string, Uint8Array>) {
  console.log(
    "\n== model compute, steady-state ms per batch (blocks of back-to-back runs, rotating order) ==",
  );
  console.log(
    `engine thread hop (one 224² image there, 2048 floats back): ${(await threadHop()).toFixed(3)} ms`,
  );
  console.log(
    "ours/main: the engine as Lambda runs it (session on the handler thread, RESIDUAL_ORT_THREAD=main)",
  );
  console.log("ours/worker: the engine as `residual serve` runs it (session on a worker thread)");
  const bareMs = new Map<string, number>();
  for (const [arch, b] of bytes) {
    const bare = await ort.InferenceSession.create(b);
    const prefix = `bench/${arch}/`;
    // The first load writes the ORT-format cache in the background: wait for it, or the measured engine could load
    // from model.onnx and its own background save (read, hash, write ~100 MB) would overlap the first runs.
    const info = (await store.head(`${prefix}model.onnx`))!;
    const first = await openOrtSession({ store, prefix }, info, onnxSessionOptions(), "worker");
    await first.saved;
    await first.runner.release();
    const main = await openOnnxEngine({ store, prefix }, info, "main");
    const worker = await openOnnxEngine({ store, prefix }, info, "worker");
    for (const n of [1, 8]) {
      const x = new Float32Array(n * 224 * 224 * 3).map(() => (Math.random() - 0.45) / 0.225);
      const r = await blocks(
        {
          bare: () => bare.run({ input: new ort.Tensor("float32", x, [n, 224, 224, 3]) }),
          main: () => main.run(x, n, 224),
          worker: () => worker.run(x, n, 224),
        },
        "bare",
        n === 1 ? 7 : 5,
        n === 1 ? 8 : 3,
      );
      const tb = r.get("bare")!.ms;
      bareMs.set(`${arch}/b${n}`, tb);
      const col = (k: string) => `${fmt(r.get(k)!.ms)} ms (${r.get(k)!.ratio.toFixed(3)}x)`;
      console.log(
        `${arch} b${n}: bare ORT ${fmt(tb)} ms | ours/main ${col("main")} | ours/worker ${col("worker")} | per image: bare ${fmt(tb / n)} ms`,
      );
    }
    await bare.release();
    await main.dispose();
    await worker.dispose();
  }
  return bareMs;
}

async function e2eBench(dir: string, img: Buffer, bytes: Uint8Array): Promise<void> {
  console.log("\n== end-to-end POST /v1/embeddings (resnet50, 224x224 JPEG), in-process server ==");
  const core = new ServingCore({ store: new LocalObjectStore(dir), engine: "onnx" });
  const server = await startServer({ core, port: 0 });
  const bare = await ort.InferenceSession.create(bytes);
  const x1 = new Float32Array(224 * 224 * 3).map(() => Math.random());
  const x8 = new Float32Array(8 * 224 * 224 * 3).map(() => Math.random());
  const bare1 = () => bare.run({ input: new ort.Tensor("float32", x1, [1, 224, 224, 3]) });
  const bare8 = () => bare.run({ input: new ort.Tensor("float32", x8, [8, 224, 224, 3]) });
  const post = async () => {
    const res = await fetch(`${server.url}/v1/embeddings?model=r50`, {
      method: "POST",
      body: new Uint8Array(img),
      headers: { "content-type": "image/jpeg" },
    });
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  const [p50, b1, ratio] = await interleaved(21, post, bare1);
  console.log(
    `concurrency 1: p50 ours ${fmt(p50)} ms | bare ORT b1 ${fmt(b1)} ms | ratio ${ratio.toFixed(3)}x (target ≤ 1.25x)`,
  );
  const burst = async (total: number) => {
    let next = 0;
    const t = await ms(() =>
      Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next++ < total) await post();
        }),
      ),
    );
    return total / (t / 1000);
  };
  // Short rounds (ours, then both peers) so each ratio compares measurements taken seconds apart.
  const bare1x8 = async () => {
    for (let i = 0; i < 8; i++) await bare1();
  };
  const rounds: Array<[number, number, number]> = [];
  const before = Object.values(core.engineStats())[0]!;
  for (let round = 0; round < 6; round++) {
    rounds.push([await burst(16), 8 / ((await ms(bare1x8)) / 1000), 8 / ((await ms(bare8)) / 1000)]);
  }
  const after = Object.values(core.engineStats())[0]!;
  const col = (k: number) => median(rounds.map((x) => x[k]!));
  const ratioTo = (k: number) => median(rounds.map((x) => x[0] / x[k]!)).toFixed(2);
  const perRun = (after.images - before.images) / (after.runs - before.runs);
  console.log(
    `concurrency 8: ours ${col(0).toFixed(2)} req/s | bare ORT b1 ${col(1).toFixed(2)} img/s (ratio ${ratioTo(1)}x) | bare ORT b8 ${col(2).toFixed(2)} img/s (ratio ${ratioTo(2)}x) | ${perRun.toFixed(1)} images per ORT run`,
  );
  await bare.release();
  await server.close();
  await core.close();
}

function torchBench(bareMs: Map<string, number>): void {
  console.log(
    `\n== PyTorch eager (torch ${availableParallelism()} threads, separate process: not interleaved) vs bare ORT, ms per batch ==`,
  );
  const raw = execFileSync("/usr/bin/python3", [
    resolve("bench/serving-torch.py"),
    String(availableParallelism()),
  ]);
  const torch = JSON.parse(raw.toString()) as Record<string, number>;
  for (const [k, t] of Object.entries(torch)) {
    const b = bareMs.get(k)!;
    console.log(`${k}: torch ${fmt(t)} ms | ORT ${fmt(b)} ms | ORT speedup ${(t / b).toFixed(2)}x`);
  }
}

await initBackend({ logger: () => undefined });
const dir = await mkdtemp(join(tmpdir(), "bench-serving-"));
const store = new LocalObjectStore(dir);
const bytes = new Map([
  ["resnet18", onnxBytes("resnet18")],
  ["resnet50", onnxBytes("resnet50")],
]);
for (const [arch, b] of bytes) await store.put(`bench/${arch}/model.onnx`, b);
await publishModel(store, {
  name: "r50",
  files: { "model.onnx": bytes.get("resnet50")!, "preprocess.json": JSON.stringify({ size: 224 }) },
});
const noise = Buffer.from(Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * 7919) % 251));
const img = await sharp(noise, { raw: { width: 224, height: 224, channels: 3 } })
  .jpeg({ quality: 85 })
  .toBuffer();
const bareMs = await computeBench(store, bytes);
// `--compute`: only the compute section (to measure engine changes without the minutes-long rest).
if (process.argv.includes("--compute")) {
  await rm(dir, { recursive: true, force: true });
  process.exit(0);
}
await e2eBench(dir, img, bytes.get("resnet50")!);
await coldStart(dir, img, await buildBundle(resolve("tmp/serving-bundle")));
torchBench(bareMs);
await rm(dir, { recursive: true, force: true });
