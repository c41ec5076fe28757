/**
 * Decode + train-augment throughput (images/s): ours (sharp/libvips via iterateBatches) vs torchvision + PIL
 * (DataLoader with the same number of workers as our CPU count) on the same generated ImageNet-like JPEGs.
 *
 *   node --import tsx bench/dataset-throughput.ts [count=2000] [workers=os.availableParallelism()]
 *   SHARP_THREADS=1 …  # one libvips thread per image, images in parallel: faster for 500×375 photos
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import type { Sample } from "../packages/pipeline/src/dataset/types.js";
import { LocalObjectStore } from "../packages/pipeline/src/index.js";
import { iterateBatches } from "../packages/pipeline/src/loader/batch-loader.js";
import { resolvePreprocessSpec } from "../packages/pipeline/src/preprocess/spec.js";
import { makePhotoLikeJpeg } from "../test/support/images.js";

if (process.env.SHARP_THREADS) sharp.concurrency(Number(process.env.SHARP_THREADS));

const count = Number(process.argv[2] ?? 2000);
const workers = Number(process.argv[3] ?? availableParallelism());
const dir = await mkdtemp(join(tmpdir(), "residual-bench-"));
try {
  const distinct = 50; // photo-like generation is slow in JS; files are distinct copies with varied content
  const jpgs = await Promise.all(
    Array.from({ length: distinct }, (_, i) => makePhotoLikeJpeg(500, 375, i + 1)),
  );
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = join(dir, `img_${i}.jpg`);
    await writeFile(p, jpgs[i % distinct]!);
    paths.push(p);
  }
  const store = new LocalObjectStore(dir);
  const samples: Sample[] = paths.map((p, i) => ({
    ref: { kind: "file", path: p },
    label: i % 10,
    path: p,
    digest: "",
    width: 500,
    height: 375,
  }));
  const spec = resolvePreprocessSpec({ size: 224 });
  const t0 = performance.now();
  let n = 0;
  for await (const b of iterateBatches({
    store,
    samples,
    spec,
    batchSize: 64,
    mode: "train",
    concurrency: 4 * workers,
  })) {
    n += b.n;
  }
  const ours = n / ((performance.now() - t0) / 1000);
  const py = execFileSync("/usr/bin/python3", [
    join(import.meta.dirname, "../test/python/preprocess_reference.py"),
    "bench",
    String(workers),
    "64",
    "224",
    ...paths,
  ]);
  const peer = Number(py.toString().trim());
  console.log(
    `images: ${count} (500x375 JPEG), workers/cores: ${workers}, libvips threads: ${sharp.concurrency()}`,
  );
  console.log(`ours   (sharp + iterateBatches):          ${ours.toFixed(1)} images/s`);
  console.log(`peer   (torchvision + PIL DataLoader):    ${peer.toFixed(1)} images/s`);
  console.log(`ratio  ours/peer:                          ${(ours / peer).toFixed(2)}x`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
