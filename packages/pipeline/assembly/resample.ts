// Crop + bilinear resize, bit-exact with Pillow's `img.crop(box).resize((S, S), Image.BILINEAR)`
// (src/libImaging/Resample.c: precompute_coeffs, normalize_coeffs_8bpc, the 8bpc passes). The caller (the
// JS side, augment/augment-kernel.ts) owns the memory layout: every pointer below is an offset it computed, and this
// module allocates nothing (runtime stub), so linear memory only grows when the JS side asks for more.

/** Pillow's fixed point: 8 bits of result, 2 bits of headroom for filters with negative lobes. */
const PRECISION_BITS: i32 = 22;
const HALF: i32 = 1 << (PRECISION_BITS - 1);

function bilinear(x: f64): f64 {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

/** Coefficient slots per output sample for a resize of `inSize` to `outSize` (Pillow's `ksize`). */
export function kernelSize(inSize: i32, outSize: i32): i32 {
  const scale = <f64>inSize / <f64>outSize;
  return <i32>Math.ceil(scale < 1.0 ? 1.0 : scale) * 2 + 1;
}

/**
 * Pillow's `precompute_coeffs` for the box [0, inSize] then `normalize_coeffs_8bpc`: `bounds` gets (xmin, count)
 * pairs, `kk` `ksize` fixed-point weights per output sample; `scratch` holds one row of double weights.
 */
export function coefficients(inSize: i32, outSize: i32, bounds: usize, kk: usize, scratch: usize): i32 {
  const scale = <f64>inSize / <f64>outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = filterscale; // the triangle's support is 1
  const ksize = kernelSize(inSize, outSize);
  const ss = 1.0 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (<f64>xx + 0.5) * scale;
    let xmin = <i32>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = <i32>(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0.0;
    for (let x = 0; x < xmax; x++) {
      const w = bilinear((<f64>(x + xmin) - center + 0.5) * ss);
      store<f64>(scratch + (<usize>x << 3), w);
      ww += w;
    }
    const row = kk + ((<usize>(xx * ksize)) << 2);
    for (let x = 0; x < xmax; x++) {
      let k = load<f64>(scratch + (<usize>x << 3));
      if (ww != 0.0) k /= ww;
      const f = k * <f64>(1 << PRECISION_BITS);
      store<i32>(row + (<usize>x << 2), k < 0 ? <i32>(-0.5 + f) : <i32>(0.5 + f));
    }
    store<i32>(bounds + (<usize>xx << 3), xmin);
    store<i32>(bounds + (<usize>xx << 3) + 4, xmax);
  }
  return ksize;
}

/** One RGB pixel's horizontal sum, in lanes 0..2 (lane 3 reads the next byte and is dropped). */
@inline
function rgbTap(acc: v128, p: usize, k: i32): v128 {
  const px = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
  return i32x4.add(acc, i32x4.mul(px, i32x4.splat(k)));
}

/**
 * Horizontal pass over `rows` rows of the crop (`src` at its top-left, `stride` bytes per row) into `dst`
 * (`outW * channels` bytes per row), mirrored when `flip`. Writes up to 1 byte past each RGB row (the next
 * pixel's first byte, written afterwards), so `dst` needs 1 byte of slack.
 */
export function horizontal(
  src: usize,
  stride: i32,
  rows: i32,
  channels: i32,
  outW: i32,
  flip: bool,
  bounds: usize,
  kk: usize,
  ksize: i32,
  dst: usize,
): void {
  for (let y = 0; y < rows; y++) {
    const inRow = src + <usize>(y * stride);
    const outRow = dst + <usize>(y * outW * channels);
    for (let p = 0; p < outW; p++) {
      const xx = flip ? outW - 1 - p : p;
      const xmin = load<i32>(bounds + (<usize>xx << 3));
      const n = load<i32>(bounds + (<usize>xx << 3) + 4);
      const k = kk + (<usize>(xx * ksize) << 2);
      if (channels == 3) {
        let acc = i32x4.splat(HALF);
        const base = inRow + <usize>(xmin * 3);
        for (let x = 0; x < n; x++) acc = rgbTap(acc, base + <usize>(x * 3), load<i32>(k + (<usize>x << 2)));
        const v = i32x4.shr_s(acc, PRECISION_BITS);
        const b = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(v, v), v);
        v128.store32_lane(outRow + <usize>(p * 3), b, 0);
      } else {
        let ss = HALF;
        for (let x = 0; x < n; x++) ss += <i32>load<u8>(inRow + <usize>(xmin + x)) * load<i32>(k + (<usize>x << 2));
        store<u8>(outRow + <usize>p, clip8(ss));
      }
    }
  }
}

@inline
function clip8(ss: i32): u8 {
  const v = ss >> PRECISION_BITS;
  return <u8>(v < 0 ? 0 : v > 255 ? 255 : v);
}

/**
 * Vertical pass: `outH` rows of `rowBytes` bytes into `dst`, each a weighted sum of `src` rows (`stride` apart),
 * 16 bytes at a time. Reads and writes up to 15 bytes past a row's end, so both buffers need 16 bytes of slack.
 */
export function vertical(
  src: usize,
  stride: i32,
  rowBytes: i32,
  outH: i32,
  bounds: usize,
  kk: usize,
  ksize: i32,
  dst: usize,
): void {
  const half = i32x4.splat(HALF);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = load<i32>(bounds + (<usize>yy << 3));
    const n = load<i32>(bounds + (<usize>yy << 3) + 4);
    const k = kk + (<usize>(yy * ksize) << 2);
    const first = src + <usize>(ymin * stride);
    const outRow = dst + <usize>(yy * rowBytes);
    for (let i = 0; i < rowBytes; i += 16) {
      let a0 = half;
      let a1 = half;
      let a2 = half;
      let a3 = half;
      for (let y = 0; y < n; y++) {
        const px = v128.load(first + <usize>(y * stride + i));
        const w = i32x4.splat(load<i32>(k + (<usize>y << 2)));
        const lo = i16x8.extend_low_i8x16_u(px);
        const hi = i16x8.extend_high_i8x16_u(px);
        a0 = i32x4.add(a0, i32x4.mul(i32x4.extend_low_i16x8_u(lo), w));
        a1 = i32x4.add(a1, i32x4.mul(i32x4.extend_high_i16x8_u(lo), w));
        a2 = i32x4.add(a2, i32x4.mul(i32x4.extend_low_i16x8_u(hi), w));
        a3 = i32x4.add(a3, i32x4.mul(i32x4.extend_high_i16x8_u(hi), w));
      }
      const s0 = i16x8.narrow_i32x4_s(i32x4.shr_s(a0, PRECISION_BITS), i32x4.shr_s(a1, PRECISION_BITS));
      const s1 = i16x8.narrow_i32x4_s(i32x4.shr_s(a2, PRECISION_BITS), i32x4.shr_s(a3, PRECISION_BITS));
      v128.store(outRow + <usize>i, i8x16.narrow_i16x8_u(s0, s1));
    }
  }
}
