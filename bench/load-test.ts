/**
 * Load/soak test against a local server (loopback only, bounded): 1,000 mixed valid/invalid requests at
 * concurrency 16. Prints req/s, p50/p99 latency, unexpected statuses (must be 0) and RSS before/after.
 * Run: node --import tsx bench/load-test.ts [--engine onnx|tfjs] [--requests 1000]
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LocalObjectStore, publishModel, ServingCore, startServer } from "@residual/pipeline";
import { createResNet, exportOnnx, initBackend } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";

const { values } = parseArgs({
  options: { engine: { type: "string", default: "onnx" }, requests: { type: "string", default: "1000" } },
});
const engine = values.engine === "tfjs" ? "tfjs" : "onnx";
const total = Math.min(Number(values.requests), 20_000);

await initBackend({ logger: () => undefined });
const dir = await mkdtemp(join(tmpdir(), "load-test-"));
const store = new LocalObjectStore(dir);
const model = createResNet("resnet18", { seed: 1, numClasses: 10 });
const files: Record<string, Uint8Array | string> = {
  "model.onnx": exportOnnx(model),
  "labels.json": JSON.stringify(Array.from({ length: 10 }, (_, i) => `c${i}`)),
  "preprocess.json": JSON.stringify({ size: 64 }),
};
const saveDir = `${dir}-tfjs`;
await model.save(saveDir);
for (const f of ["model.json", "weights.bin"])
  files[f] = await (await import("node:fs/promises")).readFile(join(saveDir, f));
model.dispose();
await publishModel(store, { name: "load", files });
const core = new ServingCore({ store, engine });
const server = await startServer({ core, port: 0, host: "127.0.0.1" });
const raw = Buffer.from(Array.from({ length: 96 * 80 * 3 }, (_, i) => (i * 31) % 256));
const img = await sharp(raw, { raw: { width: 96, height: 80, channels: 3 } })
  .jpeg()
  .toBuffer();
const b64 = img.toString("base64");
const json = (b: unknown): RequestInit => ({
  method: "POST",
  body: JSON.stringify(b),
  headers: { "content-type": "application/json" },
});
const mix: Array<[string, RequestInit, number]> = [
  [
    "/v1/embeddings?model=load",
    { method: "POST", body: new Uint8Array(img), headers: { "content-type": "image/jpeg" } },
    200,
  ],
  ["/v1/classify", json({ model: "load", images: [{ base64: b64 }, { base64: b64 }] }), 200],
  ["/v1/embeddings", json({ model: "load", images: [{ base64: "!!" }] }), 400],
  ["/v1/classify", json({ model: "nope", images: [{ base64: b64 }] }), 404],
  ["/v1/embeddings", { method: "POST", body: "x", headers: { "content-type": "text/plain" } }, 415],
  ["/v1/embeddings", json({ model: "load", images: Array(40).fill({ base64: b64 }) }), 413],
  ["/healthz", {}, 200],
];

async function run(n: number): Promise<{ lat: number[]; unexpected: number }> {
  const lat: number[] = [];
  let unexpected = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        const [path, init, want] = mix[next++ % mix.length]!;
        const s = performance.now();
        const res = await fetch(`${server.url}${path}`, init);
        await res.arrayBuffer();
        lat.push(performance.now() - s);
        if (res.status !== want) unexpected++;
      }
    }),
  );
  return { lat: lat.sort((a, b) => a - b), unexpected };
}

await run(64); // warm-up
const rss0 = process.memoryUsage().rss / 2 ** 20;
const tensors0 = tf.memory().numTensors;
const start = performance.now();
const { lat, unexpected } = await run(total);
const secs = (performance.now() - start) / 1000;
const rss1 = process.memoryUsage().rss / 2 ** 20;
console.log(
  `engine ${engine}: ${total} requests at concurrency 16 in ${secs.toFixed(1)} s = ${(total / secs).toFixed(1)} req/s`,
);
console.log(
  `latency p50 ${lat[Math.floor(lat.length / 2)]!.toFixed(1)} ms, p99 ${lat[Math.floor(lat.length * 0.99)]!.toFixed(1)} ms`,
);
console.log(`unexpected statuses: ${unexpected} (must be 0)`);
console.log(
  `RSS ${rss0.toFixed(0)} → ${rss1.toFixed(0)} MiB (bound: +64 MiB); tfjs tensors ${tensors0} → ${tf.memory().numTensors}`,
);
await server.close();
await core.close();
process.exitCode = unexpected === 0 && rss1 - rss0 < 64 && tf.memory().numTensors === tensors0 ? 0 : 1;
