/**
 * 16-bit floats, decoded in one place: Hugging Face checkpoints stored as F16 or BF16, and the trainer's
 * frozen-prefix activation cache, which keeps ReLU activations as float16 to halve its memory.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round-to-nearest-even float32 → float16 bits. */
function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && half & 1) ? 1 : 0));
}

/** The one float16 decoder: IEEE 754 half bits → the number, subnormals, infinities and NaN included. */
function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let table: Float32Array | undefined;

/** Every float16 value as float32, indexed by its bits (built once, 256 KiB). */
function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = fromHalfBits(h);
  }
  return table;
}

/**
 * Pack float32 values into float16 bits (round to nearest even).
 * @example
 * const h = packHalf(new Float32Array([1.5])); unpackHalf(h, new Float32Array(1)); // [1.5]
 */
export function packHalf(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i]!);
  return out;
}

/**
 * Unpack float16 bits into `out` (at `offset`).
 * @example
 * unpackHalf(Uint16Array.of(0x3e00), out, 0); // out[0] === 1.5
 */
export function unpackHalf(bits: Uint16Array, out: Float32Array, offset = 0): void {
  const t = halfTable();
  for (let i = 0; i < bits.length; i++) out[offset + i] = t[bits[i]!]!;
}

/**
 * IEEE 754 half precision (little-endian bytes) to float32, subnormals, infinities and NaN included.
 * @example
 * f16ToFloat32(new Uint8Array([0x00, 0x3c])); // Float32Array [1]
 */
export function f16ToFloat32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >>> 1;
  const out = new Float32Array(n);
  const t = halfTable();
  for (let i = 0; i < n; i++) out[i] = t[(bytes[2 * i] ?? 0) | ((bytes[2 * i + 1] ?? 0) << 8)]!;
  return out;
}

/**
 * bfloat16 (little-endian bytes) to float32: bfloat16 is the top half of a float32, so this is a shift.
 * @example
 * bf16ToFloat32(new Uint8Array([0x80, 0x3f])); // Float32Array [1]
 */
export function bf16ToFloat32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >>> 1;
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = (((bytes[2 * i] ?? 0) | ((bytes[2 * i + 1] ?? 0) << 8)) << 16) >>> 0;
  return new Float32Array(bits.buffer);
}
