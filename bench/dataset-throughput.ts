/**
 * Decode + train-augment throughput (images/s): ours (sharp/libvips via iterateBatches) vs torchvision + PIL
 * (DataLoader with the same number of workers as our CPU count) on the same generated ImageNet-like JPEGs.
 *
 *   node --import tsx bench/dataset-throughput.ts [count=2000] [workers=os.availableParallelism()]
 *   SHARP_THREADS=1 …  # one libvips thread per image, images in parallel: faster for 500×375 photos
 *
 * Also prints the compiled cache: one compile pass (decode + resize to shorter side 256, shards written to the
 * local store) and two train epochs read from it (no JPEG decode; RandomResizedCrop from the 341×256 pixels;
 * the second with the shards already in memory). The train augment (wasm crop + Pillow-exact resize + flip +
 * ColorJitter + Normalize) runs on one worker thread per core (the loader's default). Load averages are printed
 * before and after: on a shared machine the ratio moves a lot.
 *
 * The last line is the kernel alone: ms of CPU per image for the wasm crop+resize (one thread) vs sharp's
 * extract+resize+flop from the same raw 341×256 pixels (the path the cached epoch took before the kernel).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  createRng,
  type Dataset,
  ensureDatasetCache,
  iterateBatches,
  type LoaderOptions,
  LocalObjectStore,
  resolvePreprocessSpec,
  type Sample,
} from "@residual/pipeline";
import { cropResizeWasm, mainThreadKernel, randomResizedCropBox } from "@residual/pipeline/testing";
import sharp from "sharp";
import { makePhotoLikeJpeg } from "../test/support/images.js";

if (process.env.SHARP_THREADS) sharp.concurrency(Number(process.env.SHARP_THREADS));

const count = Number(process.argv[2] ?? 2000);
const workers = Number(process.argv[3] ?? availableParallelism());
const fmtLoad = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** CPU ms per 224² crop+resize(+flip) of 341×256 raw pixels: wasm kernel vs sharp (same random boxes). */
async function kernelMicro(n = 400): Promise<{ wasm: number; sharp: number }> {
  const [width, height] = [341, 256];
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 31 + (i >> 9)) & 255;
  const rng = createRng("bench-kernel");
  const boxes = Array.from({ length: n }, () => randomResizedCropBox(width, height, rng));
  const ex = mainThreadKernel();
  let c0 = process.cpuUsage();
  for (const [i, box] of boxes.entries())
    cropResizeWasm(ex, { pixels, width, height, channels: 3, box, size: 224, flip: i % 2 === 0 });
  const wasm = cpuMs(process.cpuUsage(c0)) / n;
  c0 = process.cpuUsage();
  await Promise.all(
    boxes.map((box, i) => {
      const img = sharp(pixels, { raw: { width, height, channels: 3 } })
        .extract(box)
        .resize(224, 224, { fit: "fill", kernel: "linear" });
      return (i % 2 === 0 ? img.flop() : img).raw().toBuffer();
    }),
  );
  return { wasm, sharp: cpuMs(process.cpuUsage(c0)) / n };
}

const load0 = fmtLoad();
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
    digest: `bench-${i}`,
    width: 500,
    height: 375,
  }));
  const spec = resolvePreprocessSpec({ size: 224 });
  const epoch = async (extra: Partial<LoaderOptions> = {}): Promise<number> => {
    const t0 = performance.now();
    let n = 0;
    const opts = { store, samples, spec, batchSize: 64, mode: "train", concurrency: 4 * workers } as const;
    for await (const b of iterateBatches({ ...opts, ...extra })) n += b.n;
    return n / ((performance.now() - t0) / 1000);
  };
  const ours = await epoch();
  const py = execFileSync("/usr/bin/python3", [
    join(import.meta.dirname, "../test/python/preprocess_reference.py"),
    "bench",
    String(workers),
    "64",
    "224",
    ...paths,
  ]);
  const peer = Number(py.toString().trim());
  const dataset: Dataset = {
    classes: ["c"],
    train: samples,
    val: [],
    hash: `bench-${count}`,
    report: {
      source: dir,
      format: "folder",
      classes: ["c"],
      counts: { train: {}, val: {} },
      totals: { train: count, val: 0, skipped: 0 },
      valSource: "split",
      skipped: [],
      warnings: [],
      timingsMs: {},
    },
  };
  const tc = performance.now();
  const cache = await ensureDatasetCache(store, dataset, spec);
  const compile = count / ((performance.now() - tc) / 1000);
  const cached = await epoch({ cache, epoch: 1 });
  const cached2 = await epoch({ cache, epoch: 2 });
  const micro = await kernelMicro();
  console.log(
    `images: ${count} (500x375 JPEG), workers/cores: ${workers}, libvips threads: ${sharp.concurrency()}`,
  );
  console.log(`load average before: ${load0}, after: ${fmtLoad()}`);
  console.log(`ours   (sharp decode + wasm augment):      ${ours.toFixed(1)} images/s`);
  console.log(`peer   (torchvision + PIL DataLoader):    ${peer.toFixed(1)} images/s`);
  console.log(`ratio  ours/peer:                          ${(ours / peer).toFixed(2)}x`);
  console.log(`cache  compile pass (decode+resize+shards):  ${compile.toFixed(1)} images/s`);
  console.log(`cache  train epoch from shards:             ${cached.toFixed(1)} images/s`);
  console.log(`ratio  cached/peer:                         ${(cached / peer).toFixed(2)}x`);
  console.log(`cache  2nd epoch (shards in memory):        ${cached2.toFixed(1)} images/s`);
  console.log(`ratio  cached 2nd/peer:                     ${(cached2 / peer).toFixed(2)}x`);
  console.log(
    `kernel crop+resize 341x256→224² CPU ms/img: wasm ${micro.wasm.toFixed(3)}, sharp ${micro.sharp.toFixed(3)}, ` +
      `sharp/wasm ${(micro.sharp / micro.wasm).toFixed(1)}x`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
