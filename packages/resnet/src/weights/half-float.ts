/**
 * 16-bit floats to float32. Hugging Face checkpoints are often stored as F16 or BF16; tfjs trains in float32.
 */

/**
 * IEEE 754 half precision (little-endian bytes) to float32, subnormals, infinities and NaN included.
 * @example
 * f16ToFloat32(new Uint8Array([0x00, 0x3c])); // Float32Array [1]
 */
export function f16ToFloat32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >>> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const h = (bytes[2 * i] ?? 0) | ((bytes[2 * i + 1] ?? 0) << 8);
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * 2 ** -14 * (frac / 1024);
    else if (exp === 31) out[i] = frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
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
