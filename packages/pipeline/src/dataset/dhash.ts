/**
 * Perceptual difference hash (dHash, 64 bits) over a sharp-made 9×8 grey thumbnail, and a train/val near-duplicate
 * search. Computing the thumbnail is a full decode, so it doubles as the validator's "cheap full decode".
 * The search splits hashes into `d + 1` bands: two hashes within Hamming distance `d` agree exactly on at least
 * one band (pigeonhole), so only bucket-mates are compared instead of every pair.
 */
import type { Sharp } from "sharp";

/**
 * dHash of an opened image pipeline (bit = left pixel brighter than its right neighbour).
 *
 * @example
 * const h = await dHash(sharp(bytes));
 */
export async function dHash(img: Sharp): Promise<bigint> {
  const px = await img.flatten().grayscale().resize(9, 8, { fit: "fill", kernel: "linear" }).raw().toBuffer();
  let h = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) h = (h << 1n) | (px[y * 9 + x]! > px[y * 9 + x + 1]! ? 1n : 0n);
  }
  return h;
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
