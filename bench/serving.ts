/**
 * Serving benchmark (prints ours vs the named peer, and the ratio, in one run):
 * 1. model compute: our ONNX engine vs a bare onnxruntime-node session on the same file (ResNet-18/50, batch 1/8);
 * 2. end-to-end POST /v1/embeddings (224×224 JPEG) p50 vs bare ORT batch-1 inference, and throughput at concurrency 8;
 * 3. cold start of an esbuild-bundled server process → first ResNet-50 embedding, and its peak RSS;
 * 4. PyTorch eager (`/usr/bin/python3`, torch) on the same shapes.
 * Run: node --import tsx bench/serving.ts
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createResNet, exportOnnx, initBackend } from "@residual/resnet";
import { build } from "esbuild";
import ort from "onnxruntime-node";
import sharp from "sharp";
import { createOnnxEngine } from "../packages/pipeline/src/engine/onnx-engine.js";
import { publishModel } from "../packages/pipeline/src/registry/publish-model.js";
import { startServer } from "../packages/pipeline/src/server/start-server.js";
import { ServingCore } from "../packages/pipeline/src/serving/serving-core.js";
import { LocalObjectStore } from "../packages/pipeline/src/store/local-object-store.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => x.toFixed(1);

async function timeIt(iters: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < iters; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  return median(t);
}

async function onnxBytes(arch: "resnet18" | "resnet50"): Promise<Uint8Array> {
  const m = createResNet(arch, { seed: 1 });
  try {
    return exportOnnx(m);
  } finally {
    m.dispose();
  }
}

async function computeBench(bytes: Map<string, Uint8Array>, bareMs: Map<string, number>): Promise<void> {
  console.log("\n== model compute, ms per batch (median) ==");
  for (const [arch, b] of bytes) {
    const bare = await ort.InferenceSession.create(b);
    const ours = await createOnnxEngine(b);
    for (const n of [1, 8]) {
      const x = new Float32Array(n * 224 * 224 * 3).map(() => Math.random());
      const iters = n === 1 ? 10 : 4;
      const tb = await timeIt(iters, () =>
        bare.run({ input: new ort.Tensor("float32", x, [n, 224, 224, 3]) }),
      );
      const to = await timeIt(iters, () => ours.run(x, n, 224));
      bareMs.set(`${arch}/b${n}`, tb);
      console.log(
        `${arch} b${n}: ours ${fmt(to)} ms | bare ORT ${fmt(tb)} ms | ratio ${(to / tb).toFixed(3)}x`,
      );
    }
    await bare.release();
    await ours.dispose();
  }
}

async function e2eBench(dir: string, img: Buffer, bareB1: number): Promise<void> {
  console.log("\n== end-to-end POST /v1/embeddings (resnet50, 224x224 JPEG) ==");
  const core = new ServingCore({ store: new LocalObjectStore(dir), engine: "onnx" });
  const server = await startServer({ core, port: 0 });
  const post = async () => {
    const res = await fetch(`${server.url}/v1/embeddings?model=r50`, {
      method: "POST",
      body: new Uint8Array(img),
      headers: { "content-type": "image/jpeg" },
    });
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  const p50 = await timeIt(15, post);
  console.log(
    `p50 ours ${fmt(p50)} ms | bare ORT b1 ${fmt(bareB1)} ms | ratio ${(p50 / bareB1).toFixed(3)}x`,
  );
  const total = 32;
  let next = 0;
  const s = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next++ < total) await post();
    }),
  );
  const rps = total / ((performance.now() - s) / 1000);
  console.log(
    `throughput at concurrency 8: ${rps.toFixed(2)} req/s | bare ORT b1 ${(1000 / bareB1).toFixed(2)} img/s`,
  );
  await server.close();
  await core.close();
}

async function coldStart(dir: string, img: Buffer): Promise<void> {
  console.log("\n== cold start: spawn → first resnet50 embedding (esbuild bundle, no tsx) ==");
  const outfile = resolve("tmp/serving/cold-entry.mjs");
  await build({
    entryPoints: [resolve("bench/serving-cold-entry.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    external: ["onnxruntime-node", "sharp", "@tensorflow/*", "@aws-sdk/*"],
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: "error",
  });
  const start = performance.now();
  const child = spawn(process.execPath, [outfile, dir], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const url = await new Promise<string>((ok) =>
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/ready (\S+)/);
      if (m) ok(m[1]!);
    }),
  );
  const ready = performance.now() - start;
  const body = new Uint8Array(img);
  const first = await fetch(`${url}/v1/embeddings?model=r50`, {
    method: "POST",
    body,
    headers: { "content-type": "image/jpeg" },
  });
  await first.arrayBuffer();
  const cold = performance.now() - start;
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${url}/v1/embeddings?model=r50`, {
      method: "POST",
      body,
      headers: { "content-type": "image/jpeg" },
    });
    await r.arrayBuffer();
  }
  const rss = await new Promise<string>((ok) => {
    child.stdout.on("data", (d: Buffer) => {
      const m = d.toString().match(/maxrss (\S+)/);
      if (m) ok(m[1]!);
    });
    child.kill("SIGTERM");
  });
  console.log(
    `listening after ${fmt(ready)} ms; first embedding after ${fmt(cold)} ms (target ≤ 1000 ms, status ${first.status})`,
  );
  console.log(`peak RSS serving resnet50 (21 requests): ${rss} MiB (target ≤ 500 MiB)`);
}

function torchBench(bareMs: Map<string, number>): void {
  console.log(`\n== PyTorch eager (torch ${availableParallelism()} threads) vs bare ORT, ms per batch ==`);
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
  ["resnet18", await onnxBytes("resnet18")],
  ["resnet50", await onnxBytes("resnet50")],
]);
await publishModel(store, {
  name: "r50",
  files: { "model.onnx": bytes.get("resnet50")!, "preprocess.json": JSON.stringify({ size: 224 }) },
});
const noise = Buffer.from(Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * 7919) % 251));
const img = await sharp(noise, { raw: { width: 224, height: 224, channels: 3 } })
  .jpeg({ quality: 85 })
  .toBuffer();
const bareMs = new Map<string, number>();
await computeBench(bytes, bareMs);
await e2eBench(dir, img, bareMs.get("resnet50/b1")!);
await coldStart(dir, img);
torchBench(bareMs);
