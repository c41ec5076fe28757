/**
 * A generated 10-class dataset of 28×28 grey images, MNIST-like in size and look (light strokes on black), for
 * the small-image recipe's accuracy test and `bench/train-small.ts`. Classes are outline shapes drawn at random
 * position, size, rotation, stroke and brightness, over noise and a faint distractor stroke. Some pairs overlap
 * on purpose (a square turned 30° is a diamond turned −15°; a cross turned 30° is an X turned −15°), so the best
 * possible accuracy is below 100% and two sound recipes land near the same ceiling.
 *
 * Written as `train/<class>/<n>.png` and `val/<class>/<n>.png` so every trainer sees the same split.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { testRng } from "./images.js";

export const GLYPH_CLASSES = [
  "circle",
  "vbar",
  "hbar",
  "square",
  "triangle",
  "cross",
  "x",
  "diamond",
  "rings",
  "disk",
] as const;

const SIZE = 28;

function shape(kind: (typeof GLYPH_CLASSES)[number], r: number): string {
  const h = r;
  switch (kind) {
    case "circle":
      return `<circle cx="0" cy="0" r="${r}" fill="none"/>`;
    case "rings":
      return `<circle cx="0" cy="0" r="${r}" fill="none"/><circle cx="0" cy="0" r="${r * 0.45}" fill="none"/>`;
    case "disk":
      return `<circle cx="0" cy="0" r="${r * 0.8}" fill="white"/>`;
    case "vbar":
      return `<line x1="0" y1="${-h}" x2="0" y2="${h}"/>`;
    case "hbar":
      return `<line x1="${-h}" y1="0" x2="${h}" y2="0"/>`;
    case "square":
      return `<rect x="${-h * 0.75}" y="${-h * 0.75}" width="${h * 1.5}" height="${h * 1.5}" fill="none"/>`;
    case "diamond":
      return `<rect x="${-h * 0.75}" y="${-h * 0.75}" width="${h * 1.5}" height="${h * 1.5}" fill="none" transform="rotate(45)"/>`;
    case "triangle":
      return `<polygon points="0,${-h} ${h * 0.9},${h * 0.7} ${-h * 0.9},${h * 0.7}" fill="none"/>`;
    case "cross":
      return `<line x1="${-h}" y1="0" x2="${h}" y2="0"/><line x1="0" y1="${-h}" x2="0" y2="${h}"/>`;
    case "x":
      return `<g transform="rotate(45)"><line x1="${-h}" y1="0" x2="${h}" y2="0"/><line x1="0" y1="${-h}" x2="0" y2="${h}"/></g>`;
  }
}

/** One glyph of class index `c`, drawn from `rng`, as PNG bytes (1 band). */
export async function makeGlyph(c: number, rng: () => number): Promise<Buffer> {
  const kind = GLYPH_CLASSES[c]!;
  const cx = SIZE / 2 + (rng() - 0.5) * 8;
  const cy = SIZE / 2 + (rng() - 0.5) * 8;
  const r = 6 + rng() * 4;
  const turn = (rng() - 0.5) * 60;
  const stroke = 1.4 + rng() * 1.8;
  const grey = Math.round(150 + rng() * 105);
  const d = [rng(), rng(), rng(), rng()].map((v) => v * SIZE);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}">` +
    `<rect width="${SIZE}" height="${SIZE}" fill="black"/>` +
    `<line x1="${d[0]}" y1="${d[1]}" x2="${d[2]}" y2="${d[3]}" stroke="rgb(90,90,90)" stroke-width="1"/>` +
    `<g transform="translate(${cx} ${cy}) rotate(${turn})" stroke="rgb(${grey},${grey},${grey})" fill-opacity="1" ` +
    `stroke-width="${stroke}" style="fill:rgb(${grey},${grey},${grey})">${shape(kind, r).replace(/fill="white"/, "")}</g></svg>`;
  const { data } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  const sigma = 12 + rng() * 20;
  for (let i = 0; i < data.length; i++) {
    // Box–Muller from the same stream: the whole image follows from the seed.
    const n = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    data[i] = Math.max(0, Math.min(255, Math.round(data[i]! + sigma * n)));
  }
  return sharp(data, { raw: { width: SIZE, height: SIZE, channels: 1 } })
    .toColourspace("b-w")
    .png()
    .toBuffer();
}

export interface GlyphDatasetOptions {
  dir: string;
  train: number;
  val: number;
  seed?: number;
}

/**
 * Writes (once: an existing `done` marker for the same counts and seed is kept) the dataset under `dir`.
 *
 * @example
 * await writeGlyphDataset({ dir: ".bench-out/glyphs", train: 4000, val: 1000 });
 */
export async function writeGlyphDataset(o: GlyphDatasetOptions): Promise<string> {
  const seed = o.seed ?? 1;
  const marker = join(o.dir, `.done-${o.train}-${o.val}-${seed}`);
  if (await stat(marker).catch(() => undefined)) return o.dir;
  const rng = testRng(seed);
  for (const [split, count] of [
    ["train", o.train],
    ["val", o.val],
  ] as const) {
    for (const c of GLYPH_CLASSES) await mkdir(join(o.dir, split, c), { recursive: true });
    for (let i = 0; i < count; i++) {
      const c = i % GLYPH_CLASSES.length;
      const png = await makeGlyph(c, rng);
      await writeFile(join(o.dir, split, GLYPH_CLASSES[c]!, `${String(i).padStart(5, "0")}.png`), png);
    }
  }
  await writeFile(marker, "");
  return o.dir;
}
