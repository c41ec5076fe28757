/**
 * Generated test images and datasets, shared by every engineer's tests. Everything is made in memory with
 * sharp (SVG shapes, photo-like noise) and small hand-written archive writers, so tests need no fixtures.
 *
 * - {@link makeShapeImage}: one image of a coloured shape (class = shape), any format.
 * - {@link makeShapesDataset}: an ImageFolder-style `{ "<class>/<file>": bytes }` map.
 * - {@link makePhotoLikeJpeg}: ImageNet-like JPEG (gradients + noise) so decode cost is realistic.
 * - {@link makeHugePng}: a tiny PNG file that declares width×height pixels (decompression-bomb tests).
 * - {@link makeZip} / {@link makeTar}: archives with full control over names, modes and declared sizes.
 * - {@link writeFiles}: writes a file map under a directory.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { crc32, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import sharp from "sharp";
import { pack } from "tar-stream";

export type ImageFormat = "jpeg" | "png" | "webp" | "gif" | "tiff";
export type Shape = "circle" | "square" | "triangle" | "cross" | "ring";
export const SHAPES: readonly Shape[] = ["circle", "square", "triangle", "cross", "ring"];

/**
 * A tiny deterministic PRNG for test data (mulberry32). Kept apart from the pipeline's `createRng` on purpose:
 * the tolerances of the parity tests are measured on the images this exact sequence draws.
 */
export function testRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shapeSvg(shape: Shape, w: number, h: number, color: string, rng: () => number): string {
  const s = Math.min(w, h);
  const cx = w * (0.35 + 0.3 * rng());
  const cy = h * (0.35 + 0.3 * rng());
  const r = s * (0.2 + 0.1 * rng());
  const body: Record<Shape, string> = {
    circle: `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${color}"/>`,
    square: `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`,
    triangle: `<polygon points="${cx},${cy - r} ${cx - r},${cy + r} ${cx + r},${cy + r}" fill="${color}"/>`,
    cross: `<path d="M${cx - r} ${cy}H${cx + r}M${cx} ${cy - r}V${cy + r}" stroke="${color}" stroke-width="${r / 2}"/>`,
    ring: `<circle cx="${cx}" cy="${cy}" r="${r}" fill="none" stroke="${color}" stroke-width="${r / 3}"/>`,
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body[shape]}</svg>`;
}

/** Options of {@link makeShapeImage}. */
export interface ShapeImageOptions {
  shape?: Shape;
  width?: number;
  height?: number;
  format?: ImageFormat;
  seed?: number;
  /** Add an alpha channel (transparent background) — PNG/WebP/GIF/TIFF only. */
  alpha?: boolean;
  /** Single-channel output. */
  grey?: boolean;
}

/**
 * One image with a coloured shape on a gradient-ish background.
 *
 * @example
 * const png = await makeShapeImage({ shape: "circle", width: 64, height: 48, format: "png" });
 */
export async function makeShapeImage(opts: ShapeImageOptions = {}): Promise<Buffer> {
  const { shape = "circle", width = 64, height = 64, format = "png", seed = 1 } = opts;
  const rng = testRng(seed);
  const colour = `rgb(${Math.floor(rng() * 255)},${Math.floor(rng() * 255)},${Math.floor(rng() * 255)})`;
  const bg = opts.alpha
    ? { r: 0, g: 0, b: 0, alpha: 0 }
    : { r: Math.floor(rng() * 255), g: Math.floor(rng() * 255), b: Math.floor(rng() * 255), alpha: 1 };
  let img = sharp({ create: { width, height, channels: 4, background: bg } }).composite([
    { input: Buffer.from(shapeSvg(shape, width, height, colour, rng)) },
  ]);
  if (opts.grey) img = img.grayscale();
  if (!opts.alpha && format !== "png") img = img.flatten();
  return img.toFormat(format).toBuffer();
}

/** Options of {@link makeShapesDataset}. */
export interface ShapesDatasetOptions {
  classes?: readonly Shape[];
  perClass?: number;
  width?: number;
  height?: number;
  format?: ImageFormat;
  /** Prefix every path (e.g. `"train/"` or `"flowers/"`). */
  prefix?: string;
  seed?: number;
}

/**
 * An ImageFolder-style dataset: `{ "<prefix><class>/<class>_<i>.<ext>": bytes }`, one class per shape.
 *
 * @example
 * const files = await makeShapesDataset({ classes: ["circle", "square"], perClass: 4 });
 * await writeFiles(dir, files);
 */
export async function makeShapesDataset(opts: ShapesDatasetOptions = {}): Promise<Map<string, Buffer>> {
  const { classes = ["circle", "square"], perClass = 4, width = 48, height = 40, format = "png" } = opts;
  const ext = format === "jpeg" ? "jpg" : format;
  const out = new Map<string, Buffer>();
  for (const [ci, shape] of classes.entries()) {
    for (let i = 0; i < perClass; i++) {
      const seed = (opts.seed ?? 7) * 1000 + ci * 100 + i;
      const bytes = await makeShapeImage({ shape, width: width + i, height, format, seed });
      out.set(`${opts.prefix ?? ""}${shape}/${shape}_${i}.${ext}`, bytes);
    }
  }
  return out;
}

/**
 * A photo-like JPEG (smooth gradients + blobs + pixel noise) so JPEG decode cost resembles ImageNet photos.
 *
 * @example
 * const jpg = await makePhotoLikeJpeg(500, 375, 3);
 */
export async function makePhotoLikeJpeg(width = 500, height = 375, seed = 1, quality = 90): Promise<Buffer> {
  const rng = testRng(seed);
  const data = Buffer.alloc(width * height * 3);
  const f = [rng() * 0.05, rng() * 0.05, rng() * 0.05];
  const ph = [rng() * 6, rng() * 6, rng() * 6];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v =
          128 + 60 * Math.sin(x * f[c]! + ph[c]!) + 50 * Math.cos(y * f[(c + 1) % 3]!) + (rng() - 0.5) * 40;
        data[i + c] = v < 0 ? 0 : Math.min(v, 255);
      }
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

function pngChunk(type: string, body: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const tb = Buffer.concat([Buffer.from(type, "latin1"), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(tb));
  return Buffer.concat([len, tb, crc]);
}

/**
 * A valid 1-bit grey PNG of `width`×`height` (all black) that compresses to a few kilobytes per megapixel:
 * a cheap decompression bomb. Built by hand because encoding 400 MP through sharp takes seconds.
 *
 * @example
 * const bomb = makeHugePng(20000, 20000); // ~50 MB of zero rows deflated to ~50 KB
 */
export function makeHugePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter, no interlace
  const raw = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    sig,
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw, { level: 9 })),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** One entry of {@link makeZip}. */
export interface ZipEntrySpec {
  /** A string is written as UTF-8 (flag bit 11 set); a Buffer is written as-is without the flag (legacy names). */
  name: string | Buffer;
  data?: Buffer;
  /** Unix mode (e.g. `0o120777` for a symlink, `0o040755` for a directory). */
  mode?: number;
  /** Uncompressed size to declare in the headers (lie about it for zip-bomb tests). */
  declaredSize?: number;
  /** Store instead of deflate. */
  store?: boolean;
}

function zipHeader(
  sig: number,
  e: ZipEntrySpec,
  data: Buffer,
  comp: Buffer,
  central: boolean,
  off: number,
): Buffer {
  const name = typeof e.name === "string" ? Buffer.from(e.name, "utf8") : e.name;
  const h = Buffer.alloc(central ? 46 : 30);
  let p = 0;
  h.writeUInt32LE(sig, p);
  p += 4;
  if (central) {
    h.writeUInt16LE((3 << 8) | 20, p); // made by unix, so the external attributes carry a mode
    p += 2;
  }
  h.writeUInt16LE(20, p);
  h.writeUInt16LE(typeof e.name === "string" ? 0x0800 : 0, p + 2);
  h.writeUInt16LE(e.store ? 0 : 8, p + 4);
  h.writeUInt32LE(0x00210000, p + 6); // 1980-01-01 00:00
  h.writeUInt32LE(crc32(data), p + 10);
  h.writeUInt32LE(comp.length, p + 14);
  h.writeUInt32LE(e.declaredSize ?? data.length, p + 18);
  h.writeUInt16LE(name.length, p + 22);
  if (central) {
    h.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, p + 32);
    h.writeUInt32LE(off, p + 36);
  }
  return Buffer.concat([h, name]);
}

/**
 * A zip archive written by hand, so tests can make entries no zip library would: `../` names, symlinks,
 * legacy non-UTF-8 names, lying size headers.
 *
 * @example
 * const zip = makeZip([{ name: "cat/a.png", data: png }, { name: "../evil.png", data: png }]);
 */
export function makeZip(entries: ReadonlyArray<ZipEntrySpec>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    const comp = e.store ? data : deflateRawSync(data);
    const local = Buffer.concat([zipHeader(0x04034b50, e, data, comp, false, 0), comp]);
    centrals.push(zipHeader(0x02014b50, e, data, comp, true, offset));
    locals.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A file map as zip entries (UTF-8 names). */
export function filesToZip(
  files: ReadonlyMap<string, Buffer>,
  extra: ReadonlyArray<ZipEntrySpec> = [],
): Buffer {
  return makeZip([...[...files].map(([name, data]) => ({ name, data })), ...extra]);
}

/** One entry of {@link makeTar}. */
export interface TarEntrySpec {
  name: string;
  data?: Buffer;
  type?: "file" | "directory" | "symlink" | "link";
  linkname?: string;
}

/**
 * A tar (or tar.gz with `gzip: true`) archive.
 *
 * @example
 * const tgz = await makeTar([...files].map(([name, data]) => ({ name, data })), { gzip: true });
 */
export async function makeTar(
  entries: ReadonlyArray<TarEntrySpec>,
  opts: { gzip?: boolean } = {},
): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => {
    if (Buffer.isBuffer(c)) chunks.push(c);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", () => resolve());
    p.on("error", reject);
  });
  for (const e of entries) {
    const type = e.type ?? "file";
    if (type === "file") p.entry({ name: e.name, type }, e.data ?? Buffer.alloc(0));
    else p.entry({ name: e.name, type, linkname: e.linkname });
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return opts.gzip ? gzipSync(tar) : tar;
}

/**
 * Writes `{ relativePath: bytes }` under `dir`, creating folders.
 *
 * @example
 * await writeFiles(tmp, await makeShapesDataset());
 */
export async function writeFiles(dir: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
  for (const [rel, data] of files) {
    const full = join(dir, rel);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, data);
  }
}
