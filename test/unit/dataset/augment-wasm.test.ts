/**
 * The wasm crop + bilinear resize against Pillow (Debian's /usr/bin/python3, the torchvision reference):
 * `img.crop(box).resize((S, S), Image.BILINEAR)` (+ FLIP_LEFT_RIGHT), byte for byte, over random boxes on random
 * and photo-like images, up- and downsampling, tiny and full-image crops, sizes equal to the crop's (Pillow skips
 * that pass), 1 and 3 channels. Also: the kernel's memory stops growing after warm-up, bad boxes are refused.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  augmentModule,
  type CropResizeInput,
  cropResize,
  cropResizeWasm,
  instantiateAugment,
} from "@residual/pipeline/testing";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePhotoLikeJpeg, testRng } from "../../support/images.js";

const PY = "/usr/bin/python3";
const SCRIPT = join(import.meta.dirname, "../../python/preprocess_reference.py");

interface Source {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "residual-pillow-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function noise(width: number, height: number, channels: number, seed: number): Source {
  const r = testRng(seed);
  return {
    pixels: Uint8Array.from({ length: width * height * channels }, () => (r() * 256) | 0),
    width,
    height,
    channels,
  };
}

async function photo(width: number, height: number, channels: 1 | 3, seed: number): Promise<Source> {
  let img = sharp(await makePhotoLikeJpeg(width, height, seed));
  if (channels === 1) img = img.toColourspace("b-w");
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { pixels: data, width: info.width, height: info.height, channels: info.channels };
}

/** Random boxes of every kind on `src`: tiny, thin, full, and general; sizes below, equal to and above them. */
function cases(src: Source, seed: number, count: number): CropResizeInput[] {
  const r = testRng(seed);
  const { width: W, height: H } = src;
  const out: CropResizeInput[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 6;
    const w = kind === 0 ? 1 : kind === 1 ? W : 1 + Math.floor(r() * W);
    const h = kind === 0 ? 1 + Math.floor(r() * 3) : kind === 1 ? H : 1 + Math.floor(r() * H);
    const box = {
      left: Math.floor(r() * (W - w + 1)),
      top: Math.floor(r() * (H - h + 1)),
      width: w,
      height: h,
    };
    const size = [224, 17, w, h, 1 + Math.floor(r() * 300), 3][i % 6]!;
    out.push({ ...src, box, size, flip: r() < 0.5 });
  }
  return out;
}

/** Runs Pillow on every case (one Python process), returning its uint8 outputs. */
async function pillow(all: CropResizeInput[]): Promise<Buffer[]> {
  const json = await Promise.all(
    all.map(async (c, i) => {
      await writeFile(join(dir, `in-${i}.raw`), c.pixels);
      const { left, top, width, height } = c.box;
      const { width: w, height: h, channels, size, flip } = c;
      return {
        file: `in-${i}.raw`,
        width: w,
        height: h,
        channels,
        box: [left, top, width, height],
        size,
        flip,
      };
    }),
  );
  await writeFile(join(dir, "cases.json"), JSON.stringify(json));
  execFileSync(PY, [SCRIPT, "crop-resize", dir]);
  return Promise.all(all.map((_, i) => readFile(join(dir, `out-${i}.raw`))));
}

describe("cropResize (wasm) vs Pillow crop + resize(BILINEAR)", () => {
  it("is byte-identical over random boxes, images, sizes, channels and flips", async () => {
    const sources = [
      noise(341, 256, 3, 1),
      noise(97, 203, 1, 2),
      noise(5, 4, 3, 3),
      await photo(500, 375, 3, 4),
      await photo(256, 341, 1, 5),
      await photo(1200, 900, 3, 6),
    ];
    const all = sources.flatMap((s, i) => cases(s, 100 + i, 30));
    const want = await pillow(all);
    const mismatches: string[] = [];
    for (const [i, c] of all.entries()) {
      const got = cropResize(c);
      if (!Buffer.from(got).equals(want[i]!))
        mismatches.push(`${c.width}x${c.height}x${c.channels} ${JSON.stringify(c.box)}→${c.size}`);
    }
    expect(mismatches).toEqual([]);
    expect(all.some((c) => c.size > c.box.width) && all.some((c) => c.size < c.box.width)).toBe(true);
  });

  it("keeps its memory size after warm-up over 1,000 calls", () => {
    const ex = instantiateAugment(augmentModule());
    const src = noise(341, 256, 3, 9);
    const all = cases(src, 7, 1000);
    for (const c of all.slice(0, 50))
      cropResizeWasm(ex, { ...c, box: { left: 0, top: 0, width: 341, height: 256 }, size: 224 });
    const warm = ex.memory.buffer.byteLength;
    for (const c of all) cropResizeWasm(ex, { ...c, size: 224 });
    expect(ex.memory.buffer.byteLength).toBe(warm);
  });

  it("refuses a box outside the image and a short pixel buffer", () => {
    const src = noise(10, 10, 3, 1);
    const box = { left: 5, top: 0, width: 6, height: 10 };
    expect(() => cropResize({ ...src, box, size: 4, flip: false })).toThrow(/outside a 10x10 image/);
    const short = {
      ...src,
      pixels: src.pixels.subarray(0, 20),
      box: { ...box, left: 0 },
      size: 4,
      flip: false,
    };
    expect(() => cropResize(short)).toThrow(/not a 10x10x3 image/);
  });
});
