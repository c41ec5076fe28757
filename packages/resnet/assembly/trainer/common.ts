// Shared helpers of the training engine: op-record arguments, tensor views, SIMD multiply-add, work claiming.
//
// An op record is REC_WORDS i32 words: [opcode, work counter, args...]. A view (6 words) describes an NHWC
// tensor stored with a zero border: base, N, H, W, C, P; image row r = n·H + h starts at
// base + ((n·(H+2P) + h + P)·(W+2P) + P)·C floats.

export const REC_WORDS: i32 = 64;
export const REC_BYTES: usize = <usize>REC_WORDS << 2;

@inline export function arg(op: usize, i: i32): u32 {
  return load<u32>(op + 8 + (<usize>i << 2));
}

@inline export function argf(op: usize, i: i32): f32 {
  return load<f32>(op + 8 + (<usize>i << 2));
}

/** Claims the next unit of this op's work (any thread, any order: a unit's result never depends on who runs it). */
@inline export function claim(op: usize): i32 {
  return atomic.add<i32>(op + 4, 1);
}

/** Byte address of image row `r` of the view at argument `a`. */
@inline export function rowPtr(op: usize, a: i32, r: u32): usize {
  const base = arg(op, a);
  const h = arg(op, a + 2);
  const w = arg(op, a + 3);
  const c = arg(op, a + 4);
  const p = arg(op, a + 5);
  const n = r / h;
  const y = r - n * h;
  return <usize>base + ((<usize>((n * (h + 2 * p) + y + p) * (w + 2 * p) + p) * <usize>c) << 2);
}

/** Floats in one image row of the view at argument `a` (W·C). */
@inline export function rowLen(op: usize, a: i32): u32 {
  return arg(op, a + 3) * arg(op, a + 4);
}

/** Image rows of the view at argument `a` (N·H). */
@inline export function rowCount(op: usize, a: i32): u32 {
  return arg(op, a + 1) * arg(op, a + 2);
}

/** a·b + c: fused where the host has relaxed SIMD (the FMA build), separate otherwise. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
