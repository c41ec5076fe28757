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

// This instance's thread index (each thread has its own instance over the shared memory, so globals are per thread).
let thread: i32 = 0;

/** Sets this instance's thread index (control.ts, before each program). */
export function setThread(tid: i32): void {
  thread = tid;
}

/** This instance's thread index: selects its own scratch space. */
@inline export function threadIndex(): i32 {
  return thread;
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

/** A row function of {@link eachChunkRow}: image row `row` of chunk `chunk`, `first` for the chunk's first row. */
export type RowFn = (op: usize, row: u32, chunk: u32, first: bool) => void;

/**
 * Runs `fn` for every image row of every chunk of `r` rows this thread claims (rows of the view at argument `a`).
 * The chunking is fixed by the op's arguments, never by the thread count.
 */
export function eachChunkRow(op: usize, a: i32, r: u32, fn: RowFn): void {
  const rows = rowCount(op, a);
  const chunks = (rows + r - 1) / r;
  for (let u = claim(op); <u32>u < chunks; u = claim(op)) {
    const start = <u32>u * r;
    const end = min(start + r, rows);
    for (let row = start; row < end; row++) fn(op, row, <u32>u, row == start);
  }
}

/** Channels per unit of the per-channel reductions. */
export const CH_UNIT: u32 = 64;

/** A channel function of {@link eachChannel}. */
export type ChannelFn = (op: usize, ch: u32) => void;

/** Runs `fn` for every channel of `c` in the 64-channel units this thread claims. */
export function eachChannel(op: usize, c: u32, fn: ChannelFn): void {
  const units = (c + CH_UNIT - 1) / CH_UNIT;
  for (let u = claim(op); <u32>u < units; u = claim(op)) {
    const end = min(<u32>(u + 1) * CH_UNIT, c);
    for (let ch = <u32>u * CH_UNIT; ch < end; ch++) fn(op, ch);
  }
}

/** Σ over `chunks` chunk partials ([chunk][stride] f32, this channel at `offset`), in chunk order, in f64. */
@inline export function chunkSum(partial: usize, chunks: u32, stride: u32, offset: u32): f64 {
  let s: f64 = 0;
  for (let k: u32 = 0; k < chunks; k++) s += <f64>load<f32>(partial + ((<usize>(k * stride + offset)) << 2));
  return s;
}
