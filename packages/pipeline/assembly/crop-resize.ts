// Pillow's ImagingResampleInner for a crop: vertical coefficients first (they bound the rows the horizontal
// pass needs), horizontal pass on those rows only, then the vertical pass; a pass whose size does not change is
// skipped, as Pillow does. A flip mirrors the horizontal pass's output (forcing that pass: with an unchanged
// width its weights are exactly 1 and 0, so it copies).
import { coefficients, horizontal, kernelSize, vertical } from "./resample";

/** Where the linear memory that the JS side may lay out begins. */
export function heapBase(): usize {
  return __heap_base;
}

function coeffBytes(inSize: i32, outSize: i32): i32 {
  return outSize * 8 + outSize * kernelSize(inSize, outSize) * 4;
}

/** Bytes of the `work` area {@link cropResize} needs for a `w`×`h` crop resized to `size`². */
export function workBytes(w: i32, h: i32, size: i32): i32 {
  const scratch = max(kernelSize(w, size), kernelSize(h, size)) * 8;
  return coeffBytes(w, size) + coeffBytes(h, size) + scratch + 64;
}

/**
 * Crops `w`×`h` at `src` (its top-left pixel; rows `stride` bytes apart, `channels` 1 or 3) and resizes it to
 * `size`² into `dst` (16 bytes of slack), mirrored when `flip`. `tmp` holds up to `h` rows of `size` pixels
 * (+16 bytes), `work` {@link workBytes}. `src` needs 16 readable bytes past the crop's last row.
 */
export function cropResize(
  src: usize,
  stride: i32,
  channels: i32,
  w: i32,
  h: i32,
  size: i32,
  flip: bool,
  dst: usize,
  tmp: usize,
  work: usize,
): void {
  const needH = w != size || flip;
  const needV = h != size;
  const row = size * channels;
  const bv = (work + 7) & ~7;
  const kv = bv + <usize>(size * 8);
  const kvSize = kernelSize(h, size);
  const bh = kv + <usize>(size * kvSize * 4);
  const kh = bh + <usize>(size * 8);
  const scratch = (kh + <usize>(size * kernelSize(w, size) * 4) + 7) & ~7;
  coefficients(h, size, bv, kv, scratch);
  const first = load<i32>(bv);
  const last = load<i32>(bv + <usize>((size - 1) * 8)) + load<i32>(bv + <usize>((size - 1) * 8) + 4);
  if (needH) {
    const khSize = coefficients(w, size, bh, kh, scratch);
    for (let i = 0; i < size; i++) store<i32>(bv + <usize>(i * 8), load<i32>(bv + <usize>(i * 8)) - first);
    const rows = needV ? last - first : size;
    const top = src + <usize>(first * stride);
    horizontal(top, stride, rows, channels, size, flip, bh, kh, khSize, needV ? tmp : dst);
    if (needV) vertical(tmp, row, row, size, bv, kv, kvSize, dst);
  } else if (needV) {
    vertical(src, stride, row, size, bv, kv, kvSize, dst);
  } else {
    for (let y = 0; y < size; y++) memory.copy(dst + <usize>(y * row), src + <usize>(y * stride), <usize>row);
  }
}
