/**
 * Fixtures for serving tests: a tiny published model (cifar_resnet20, 32 px) with labels/preprocess/calibration,
 * a tfjs-only backbone (exported to ONNX on first use), a job status document and generated JPEGs.
 */
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalObjectStore, type ObjectStore, publishModel } from "@residual/pipeline";
import { createResNet, exportOnnx, fileSystemHandler } from "@residual/resnet";
import sharp from "sharp";

export const LABELS = ["cat", "dog", "fox"];
export const PREPROCESS = { size: 32, resize: 36, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
export const BACKBONE = "tiny.test";

export interface ServingFixture {
  dir: string;
  store: ObjectStore;
  version: string;
}

/** A JPEG of seeded noise with a gradient, `w`×`h`. */
export async function jpeg(w: number, h: number, seed = 1): Promise<Buffer> {
  const raw = Buffer.alloc(w * h * 3);
  let s = seed;
  for (let i = 0; i < raw.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    raw[i] = ((s >> 16) & 0x7f) + ((i / 3) % w) * (128 / w);
  }
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Build the store once per test file. */
export async function servingFixture(target?: ObjectStore): Promise<ServingFixture> {
  const dir = await mkdtemp(join(tmpdir(), "residual-serving-"));
  const store = target ?? new LocalObjectStore(dir);
  const model = createResNet("cifar_resnet20", { seed: 3, numClasses: LABELS.length });
  const backbone = createResNet("cifar_resnet20", { seed: 4, numClasses: 10 });
  try {
    const published = await publishModel(store, {
      name: "pets",
      files: {
        "model.onnx": exportOnnx(model),
        "labels.json": JSON.stringify(LABELS),
        "preprocess.json": JSON.stringify(PREPROCESS),
        "calibration.json": JSON.stringify({ temperature: 2, threshold: 0.1 }),
      },
    });
    const bbDir = join(dir, "..", `${dir.split("/").pop()}-bb`);
    await backbone.save(fileSystemHandler(bbDir));
    for (const f of await readdir(bbDir))
      await store.put(`backbones/${BACKBONE}/${f}`, await readFile(join(bbDir, f)));
    await store.put(`backbones/${BACKBONE}/preprocess.json`, JSON.stringify(PREPROCESS));
    await store.put("jobs/job-1/status.json", JSON.stringify({ id: "job-1", state: "running" }));
    return { dir, store, version: published.version };
  } finally {
    model.dispose();
    backbone.dispose();
  }
}
