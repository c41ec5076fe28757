/**
 * Perceptual difference hash (dHash, 64 bits) over a 9×8 grey thumbnail, and a train/val near-duplicate search.
 * The thumbnail is an area average computed here from libvips' grey pixels: small images (the side ≤
 * {@link DHASH_FULL_DECODE_SIDE}) decode whole, larger ones shrink to 64×64 in libvips first. Computing it is a full
 * decode, so it doubles as the validator's "cheap full decode"; a libvips resize costs about a millisecond per
 * call whatever the size, which on a 28×28 image was two thirds of validating it.
 * The search splits hashes into `d + 1` bands: two hashes within Hamming distance `d` agree exactly on at least
 * one band (pigeonhole), so only bucket-mates are compared instead of every pair.
 */
import type { Sharp } from "sharp";

/**
 * Images up to this side are decoded whole for the hash; larger ones are shrunk by libvips first.
 * @example
 * const whole = Math.max(width, height) <= DHASH_FULL_DECODE_SIDE;
 */
export const DHASH_FULL_DECODE_SIDE = 256;
const PRESHRINK = 64;

/** Area average of grey pixels (`stride` bytes a pixel, first byte used) to `ow × oh` cells. */
function areaAverage(
  px: Uint8Array,
  w: number,
  h: number,
  stride: number,
  ow: number,
  oh: number,
): Float64Array {
  const cols = new Float64Array(h * ow);
  const fx = w / ow;
  for (let y = 0; y < h; y++) {
    for (let o = 0; o < ow; o++) {
      const a = o * fx;
      const b = a + fx;
      let sum = 0;
      for (let x = Math.floor(a); x < Math.min(w, Math.ceil(b)); x++) {
        const cover = Math.min(b, x + 1) - Math.max(a, x);
        sum += cover * px[(y * w + x) * stride]!;
      }
      cols[y * ow + o] = sum / fx;
    }
  }
  const out = new Float64Array(oh * ow);
  const fy = h / oh;
  for (let o = 0; o < oh; o++) {
    const a = o * fy;
    const b = a + fy;
    for (let y = Math.floor(a); y < Math.min(h, Math.ceil(b)); y++) {
      const cover = Math.min(b, y + 1) - Math.max(a, y);
      for (let x = 0; x < ow; x++) out[o * ow + x]! += (cover * cols[y * ow + x]!) / fy;
    }
  }
  return out;
}

/**
 * dHash of grey pixels (bit = left cell of the 9×8 area-averaged thumbnail brighter than its right neighbour).
 *
 * @example
 * const h = dHashOfGrey(pixels, 28, 28); // one byte a pixel
 */
export function dHashOfGrey(px: Uint8Array, width: number, height: number, stride = 1): bigint {
  const cells = areaAverage(px, width, height, stride, 9, 8);
  let h = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) h = (h << 1n) | (cells[y * 9 + x]! > cells[y * 9 + x + 1]! ? 1n : 0n);
  }
  return h;
}

/**
 * dHash of an opened image pipeline whose (oriented) size is `size`: alpha flattened onto black, grey.
 *
 * @example
 * const h = await dHash(openImage(bytes, 1e8), { width: 28, height: 28 });
 */
export async function dHash(img: Sharp, size: { width: number; height: number }): Promise<bigint> {
  let grey = img.flatten().grayscale();
  if (Math.max(size.width, size.height) > DHASH_FULL_DECODE_SIDE)
    grey = grey.resize(PRESHRINK, PRESHRINK, { fit: "fill", kernel: "linear" });
  const { data, info } = await grey.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  return dHashOfGrey(data, info.width, info.height, info.channels);
}

/**
 * Number of differing bits.
 *
 * @example
 * hamming(0b1011n, 0b0001n); // 2
 */
export function hamming(a: bigint, b: bigint): number {
  let x = a ^ b;
  let n = 0;
  while (x) {
    x &= x - 1n;
    n++;
  }
  return n;
}

function bands(h: bigint, count: number): string[] {
  const out: string[] = [];
  const width = Math.ceil(64 / count);
  for (let i = 0; i < count; i++) {
    const shift = BigInt(i * width);
    out.push(`${i}:${(h >> shift) & ((1n << BigInt(width)) - 1n)}`);
  }
  return out;
}

/**
 * Pairs `(trainIndex, valIndex, distance)` whose hashes are within `maxDistance` bits.
 *
 * @example
 * findNearDuplicates([h1, h2], [h3], 3); // [[0, 0, 1]] when h1 and h3 differ in one bit
 */
export function findNearDuplicates(
  train: readonly bigint[],
  val: readonly bigint[],
  maxDistance: number,
): Array<[number, number, number]> {
  const count = maxDistance + 1;
  const buckets = new Map<string, number[]>();
  train.forEach((h, i) => {
    for (const b of bands(h, count)) {
      const list = buckets.get(b);
      if (list) list.push(i);
      else buckets.set(b, [i]);
    }
  });
  const found: Array<[number, number, number]> = [];
  val.forEach((h, j) => {
    const seen = new Set<number>();
    for (const b of bands(h, count)) {
      for (const i of buckets.get(b) ?? []) {
        if (seen.has(i)) continue;
        seen.add(i);
        const d = hamming(train[i]!, h);
        if (d <= maxDistance) found.push([i, j, d]);
      }
    }
  });
  return found;
}
