/** A tiny folder dataset of flat colour PNGs (40×36, jittered per image), put in a store as `datasets/<name>/`. */
import type { Dataset, ObjectStore, Sample } from "@residual/pipeline";
import sharp from "sharp";

/** Colours by class name. */
export const COLOR_RGB: Record<string, [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 200, 60],
  blue: [50, 60, 220],
  yellow: [220, 210, 40],
};

/** One PNG of `color`, its shade jittered by `i`. */
export async function colorPng(color: string, i: number): Promise<Buffer> {
  const [r, g, b] = COLOR_RGB[color]!;
  const jitter = (v: number) => Math.max(0, Math.min(255, v + ((i * 37) % 50) - 25));
  return sharp({
    create: { width: 40, height: 36, channels: 3, background: { r: jitter(r), g: jitter(g), b: jitter(b) } },
  })
    .png()
    .toBuffer();
}

/**
 * Upload `train`/`val` images per class to `datasets/<name>/` and describe them as a loaded dataset.
 * @example
 * const dataset = await uploadColorDataset(store, "colors", ["red", "green", "blue"]);
 */
export async function uploadColorDataset(
  store: ObjectStore,
  name: string,
  classes: string[],
  perClass = { train: 8, val: 4 },
): Promise<Dataset> {
  const samples = async (split: "train" | "val"): Promise<Sample[]> => {
    const out: Sample[] = [];
    for (let c = 0; c < classes.length; c++) {
      for (let i = 0; i < perClass[split]; i++) {
        const key = `datasets/${name}/${split}/${classes[c]}/${i}.png`;
        await store.put(key, await colorPng(classes[c]!, i + (split === "val" ? 100 : 0)));
        out.push({ ref: { kind: "store", key }, label: c, path: key, digest: key, width: 40, height: 36 });
      }
    }
    return out;
  };
  const train = await samples("train");
  const val = await samples("val");
  const counts = (n: number) => Object.fromEntries(classes.map((c) => [c, n]));
  return {
    classes,
    train,
    val,
    hash: name,
    report: {
      source: `datasets/${name}/`,
      format: "folder",
      classes,
      counts: { train: counts(perClass.train), val: counts(perClass.val) },
      totals: { train: train.length, val: val.length, skipped: 0 },
      valSource: "given",
      skipped: [],
      warnings: [],
      timingsMs: {},
    },
  };
}
