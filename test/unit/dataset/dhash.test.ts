/**
 * The near-duplicate hash: a 9×8 area average of libvips' grey pixels, whole for small images and after a 64×64
 * libvips shrink for large ones; the same picture at any size must hash alike across both paths.
 */
import {
  DHASH_FULL_DECODE_SIDE,
  dHash,
  dHashOfGrey,
  hamming,
  openImage,
  readHeader,
} from "@residual/pipeline/testing";
import sharp from "sharp";
import { describe, expect, it } from "vitest";

async function hashOf(bytes: Buffer): Promise<bigint> {
  return dHash(openImage(bytes, 1e8), await readHeader(bytes, 1e8));
}

/** A smooth photo-like 600×450 JPEG (sums of sines per channel). */
function picture(seed: number): Promise<Buffer> {
  const [w, h] = [600, 450];
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++)
        raw[(y * w + x) * 3 + c] =
          128 + 60 * Math.sin((x * (seed + 1)) / 97 + c) + 60 * Math.cos((y * seed) / 71 - c * seed);
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

describe("dHash", () => {
  it("sets a bit where the left cell is brighter: a falling ramp is all ones, a rising one all zeros", () => {
    const w = 36;
    const falling = Uint8Array.from({ length: w * 16 }, (_, i) => 250 - 7 * (i % w));
    const rising = Uint8Array.from({ length: w * 16 }, (_, i) => 7 * (i % w));
    expect(dHashOfGrey(falling, w, 16)).toBe((1n << 64n) - 1n);
    expect(dHashOfGrey(rising, w, 16)).toBe(0n);
    // every second byte of a two-channel buffer (stride 2) reads the same picture
    const strided = new Uint8Array(falling.length * 2);
    falling.forEach((v, i) => {
      strided[2 * i] = v;
    });
    expect(dHashOfGrey(strided, w, 16, 2)).toBe(dHashOfGrey(falling, w, 16));
  });

  it("hashes one picture alike at 600 px (libvips shrink first) down to 24 px (decoded whole)", async () => {
    const sides = [600, 300, DHASH_FULL_DECODE_SIDE + 1, DHASH_FULL_DECODE_SIDE, 200, 100, 40, 24];
    for (let seed = 1; seed <= 5; seed++) {
      const big = await picture(seed);
      const hashes: bigint[] = [];
      for (const side of sides) {
        const bytes = side === 600 ? big : await sharp(big).resize(side).png().toBuffer();
        hashes.push(await hashOf(bytes));
      }
      const distances = hashes.map((h) => hamming(h, hashes[0]!));
      expect(Math.max(...distances), `seed ${seed}: ${distances.join(" ")}`).toBeLessThanOrEqual(3);
    }
  });

  it("tells different pictures apart and flattens alpha onto black", async () => {
    expect(hamming(await hashOf(await picture(1)), await hashOf(await picture(4)))).toBeGreaterThan(10);
    const opaque = await picture(2);
    const withAlpha = await sharp(opaque).ensureAlpha(1).png().toBuffer();
    expect(await hashOf(withAlpha)).toBe(await hashOf(opaque));
  });
});
