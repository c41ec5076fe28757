/**
 * Bulk throughput: `residual bulk embed` in-process (runBulkLocal: list, read, the serving core's tolerant embed
 * with the API's preprocessing, JSON Lines parts, manifest) vs a bare loop over the same files (read, decode +
 * resize + crop with sharp, normalize, onnxruntime-node `session.run` at the same batch size, nothing written),
 * images/s and the ratio. ResNet-18 at 224² on generated 320×240 JPEGs. Alternates ours and bare, medians.
 * Prints the 1-minute load average at the start: run it on a quiet machine. Run: node --import tsx bench/bulk.ts [--images 96] [--rounds 3]
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  LocalObjectStore,
  parseBulkSpec,
  publishModel,
  resolvePreprocessSpec,
  runBulkLocal,
  ServingCore,
} from "@residual/pipeline";
import { preprocessEvalRaw } from "@residual/pipeline/testing";
import { createResNet, exportOnnx, initBackend } from "@residual/resnet";
import ort from "onnxruntime-node";
import { makePhotoLikeJpeg } from "../test/support/images.js";

const LOAD_AT_START = loadavg()[0]!;

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const IMAGES = arg("images", 96);
const ROUNDS = arg("rounds", 3);
const BATCH = 16;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await initBackend({ logger: () => undefined });
const root = await mkdtemp(join(tmpdir(), "bench-bulk-"));
const [storeDir, imagesDir] = [join(root, "store"), join(root, "images")];
await mkdir(imagesDir, { recursive: true });
for (let i = 0; i < IMAGES; i++)
  await writeFile(
    join(imagesDir, `img-${String(i).padStart(4, "0")}.jpg`),
    await makePhotoLikeJpeg(320, 240, i + 1),
  );
const model = createResNet("resnet18", { seed: 1 });
const onnx = exportOnnx(model);
model.dispose();
const store = new LocalObjectStore(storeDir);
await publishModel(store, { name: "bench", files: { "model.onnx": onnx, "preprocess.json": "{}" } });
const spec = resolvePreprocessSpec({});

const core = new ServingCore({ store, engine: "onnx", ortThread: "worker" });
let run = 0;
async function ours(): Promise<number> {
  const out = join(root, `out-${run++}`);
  const started = performance.now();
  const m = await runBulkLocal(parseBulkSpec({ mode: "embed", model: "bench", source: imagesDir, out }), {
    core,
    source: new LocalObjectStore(imagesDir),
    out: new LocalObjectStore(out),
    itemsPerBatch: 64,
    concurrency: 2,
  });
  if (m.counts.done !== IMAGES) throw new Error(`bulk embedded ${m.counts.done} of ${IMAGES}`);
  return IMAGES / ((performance.now() - started) / 1000);
}

const session = await ort.InferenceSession.create(onnx);
async function bare(): Promise<number> {
  const started = performance.now();
  const files = (await readdir(imagesDir)).sort();
  const per = spec.size * spec.size * 3;
  for (let i = 0; i < files.length; i += BATCH) {
    const names = files.slice(i, i + BATCH);
    const x = new Float32Array(per * names.length);
    await Promise.all(
      names.map(async (f, j) => {
        const { data } = await preprocessEvalRaw(await readFile(join(imagesDir, f)), spec, true);
        for (let k = 0; k < per; k++)
          x[j * per + k] = (data[k]! / 255 - spec.mean[k % 3]!) / spec.std[k % 3]!;
      }),
    );
    await session.run({ input: new ort.Tensor("float32", x, [names.length, spec.size, spec.size, 3]) });
  }
  return files.length / ((performance.now() - started) / 1000);
}

await ours();
await bare();
const a: number[] = [];
const b: number[] = [];
const r: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const x = await ours();
  const y = await bare();
  a.push(x);
  b.push(y);
  r.push(x / y);
}
console.log(
  `bulk embed, resnet18 224², ${IMAGES} JPEGs 320×240 (load average ${LOAD_AT_START.toFixed(2)} at the start, medians of ${ROUNDS} alternating rounds):`,
);
console.log(
  `  ours (runBulkLocal, 64/batch, 2 in flight, parts written) ${median(a).toFixed(1)} img/s | bare ORT loop (batch ${BATCH}) ${median(b).toFixed(1)} img/s | throughput ratio ours/bare ${median(r).toFixed(3)}x (median of per-round ratios)`,
);
await core.close();
await session.release();
await rm(root, { recursive: true, force: true });
