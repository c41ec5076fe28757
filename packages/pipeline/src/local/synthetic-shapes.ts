/**
 * A small synthetic image dataset for the demo and the end-to-end tests: a few classes that differ by shape,
 * colour and texture, rendered with sharp from SVG. Every image is jittered (position, size, hue, background,
 * noise) from a seeded generator, so the same options always give the same bytes — re-running the demo with the
 * same options re-uploads an identical archive, which maps to the same job id and reuses its model.
 */
import sharp from "sharp";
import { createRng } from "../preprocess/random.js";

/** One class of the dataset: what is drawn, around which hue. Depth as data: add a row to add a class. */
export interface ShapeClass {
  name: string;
  shape: "circle" | "square" | "triangle" | "stripes" | "ring" | "dots";
  /** Base hue in degrees; each image jitters it a little. */
  hue: number;
}

/**
 * The demo's classes, in the order `classes: n` takes them.
 * @example
 * const files = await shapesDatasetFiles({ classes: 3 }); // SHAPE_CLASSES[0..2]
 */
export const SHAPE_CLASSES: readonly ShapeClass[] = [
  { name: "red-circle", shape: "circle", hue: 0 },
  { name: "blue-square", shape: "square", hue: 220 },
  { name: "green-stripes", shape: "stripes", hue: 120 },
  { name: "yellow-triangle", shape: "triangle", hue: 55 },
  { name: "purple-ring", shape: "ring", hue: 280 },
  { name: "cyan-dots", shape: "dots", hue: 185 },
];

function hsl(hue: number, sat: number, light: number): string {
  return `hsl(${Math.round(((hue % 360) + 360) % 360)},${Math.round(sat)}%,${Math.round(light)}%)`;
}

function shapeBody(c: ShapeClass, size: number, rnd: () => number): string {
  const fill = hsl(c.hue + (rnd() - 0.5) * 24, 70 + rnd() * 25, 45 + rnd() * 12);
  const r = size * (0.22 + rnd() * 0.12);
  const cx = size * (0.35 + rnd() * 0.3);
  const cy = size * (0.35 + rnd() * 0.3);
  switch (c.shape) {
    case "circle":
      return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${fill}"/>`;
    case "square":
      return `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="${fill}"/>`;
    case "triangle":
      return `<polygon points="${cx},${cy - r} ${cx - r},${cy + r} ${cx + r},${cy + r}" fill="${fill}"/>`;
    case "ring":
      return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="none" stroke="${fill}" stroke-width="${r / 2.5}"/>`;
    case "stripes": {
      const step = size / (4 + Math.floor(rnd() * 3));
      const bars: string[] = [];
      for (let x = rnd() * step; x < size; x += step)
        bars.push(`<rect x="${x}" y="0" width="${step / 2}" height="${size}" fill="${fill}"/>`);
      return bars.join("");
    }
    case "dots": {
      const dots: string[] = [];
      for (let i = 0; i < 7; i++)
        dots.push(`<circle cx="${rnd() * size}" cy="${rnd() * size}" r="${size * 0.07}" fill="${fill}"/>`);
      return dots.join("");
    }
  }
}

/**
 * One PNG of class `c`, `size`×`size`, fully determined by `seed`.
 *
 * @example
 * const png = await renderShape(SHAPE_CLASSES[0]!, 40, 7);
 */
export async function renderShape(c: ShapeClass, size: number, seed: number): Promise<Buffer> {
  const rng = createRng("shape", seed);
  const rnd = () => rng.next();
  const bgHue = rnd() * 360;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${shapeBody(c, size, rnd)}</svg>`;
  // Low-saturation backgrounds keep the class colour the signal while the background still varies.
  const bg = hsl(bgHue, 10 + rnd() * 15, 75 + rnd() * 20);
  const base = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="${bg}"/></svg>`;
  const noise = Buffer.alloc(size * size * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rnd() * 40);
  return sharp(Buffer.from(base))
    .composite([
      { input: Buffer.from(svg) },
      { input: noise, raw: { width: size, height: size, channels: 3 }, blend: "soft-light" },
    ])
    .flatten()
    .png()
    .toBuffer();
}

export interface ShapesDatasetOptions {
  /** How many of {@link SHAPE_CLASSES} to use (2–6). @default 4 */
  classes?: number;
  /** Images per class. @default 40 */
  perClass?: number;
  /** Side of each image in pixels. @default 40 */
  size?: number;
  /** Seed of the whole dataset. @default 1 */
  seed?: number;
}

/**
 * The dataset as `{ "<class>/<nnn>.png": bytes }`, ImageFolder-style.
 *
 * @example
 * const files = await shapesDatasetFiles({ classes: 3, perClass: 10 });
 */
export async function shapesDatasetFiles(o: ShapesDatasetOptions = {}): Promise<Map<string, Buffer>> {
  const classes = SHAPE_CLASSES.slice(0, Math.min(Math.max(o.classes ?? 4, 2), SHAPE_CLASSES.length));
  const perClass = o.perClass ?? 40;
  const size = o.size ?? 40;
  const seed = o.seed ?? 1;
  const files = new Map<string, Buffer>();
  for (const [ci, c] of classes.entries()) {
    const images = await Promise.all(
      Array.from({ length: perClass }, (_, i) => renderShape(c, size, seed * 100_003 + ci * 10_007 + i)),
    );
    for (const [i, png] of images.entries()) files.set(`${c.name}/${String(i).padStart(3, "0")}.png`, png);
  }
  return files;
}
