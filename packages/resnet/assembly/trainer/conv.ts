// Convolutions as implicit GEMM on padded NHWC tensors, 4 rows × 8 columns per micro-kernel.
//
// CONV (forward and input gradient): out[row, col] (+)= Σ_tap Σ_c src[row.src + tap.offset + c] · B[col][tap][c].
//   A row table gives each output row's source and destination byte address (padding rows point at row 0 and
//   write to a trash row), a tap table the byte offset of each kernel tap; B is packed in 8-column strips.
//   The forward pass uses one tap per kernel position; the input gradient runs once per stride phase with the
//   taps that reach that phase and the transposed filter (see the compiler in src/wasm-trainer/).
// CONV_DW (filter gradient): dW[k, col] = Σ_m src[row_m.src + koff_k] · dy[row_m.dy + col], the sum over m in
//   row order, so every element is summed in the same order whatever the thread count.
import { arg, claim, madd, threadIndex } from "./common";

/** Packs W [K, Co] (row-major) into 8-column strips: B[s][p][j] = W[p·Co + 8s + j]. Units: strips. */
export function packForward(op: usize): void {
  const w = <usize>arg(op, 0);
  const k = arg(op, 1);
  const co = arg(op, 2);
  const b = <usize>arg(op, 3);
  const strips = co >> 3;
  for (let s = claim(op); <u32>s < strips; s = claim(op)) {
    let dst = b + ((<usize>s * <usize>k) << 5);
    let src = w + (<usize>s << 5);
    const stride = <usize>co << 2;
    for (let p: u32 = 0; p < k; p++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      dst += 32;
      src += stride;
    }
  }
}

/**
 * Packs the transposed filter for one input-gradient phase: Bt[s][t][co][j] = W[(tap_t·Ci + 8s + j)·Co + co] for
 * the phase's taps (indices into the kernel window). Units: strips of Ci.
 */
export function packInputGrad(op: usize): void {
  const w = <usize>arg(op, 0);
  const ci = arg(op, 1);
  const co = arg(op, 2);
  const taps = <usize>arg(op, 3);
  const nt = arg(op, 4);
  const b = <usize>arg(op, 5);
  const strips = ci >> 3;
  for (let s = claim(op); <u32>s < strips; s = claim(op)) {
    let dst = b + ((<usize>s * <usize>nt * <usize>co) << 5);
    for (let t: u32 = 0; t < nt; t++) {
      const tap = load<u32>(taps + (<usize>t << 2));
      const base = w + ((<usize>(tap * ci + (<u32>s << 3)) * <usize>co) << 2);
      for (let c: u32 = 0; c < co; c++) {
        const src = base + (<usize>c << 2);
        const stride = <usize>co << 2;
        for (let j: usize = 0; j < 8; j++) store<f32>(dst + (j << 2), load<f32>(src + j * stride));
        dst += 32;
      }
    }
  }
}

// An accumulator (4 rows × 8 columns, two vectors a row) starts from zeros or from the destination rows.
@inline function ld(p: usize, zero: bool): v128 {
  return zero ? f32x4.splat(0) : v128.load(p);
}

// Writes the 4×8 tile back to its four destination rows.
@inline function st(d0: usize, d1: usize, d2: usize, d3: usize, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  v128.store(d0, c00); v128.store(d0, c01, 16); v128.store(d1, c10); v128.store(d1, c11, 16);
  v128.store(d2, c20); v128.store(d2, c21, 16); v128.store(d3, c30); v128.store(d3, c31, 16);
}

// 4 rows × 8 columns over taps [t0, t1): rows at `rows` (src, dst pairs), B at `b` (this strip, tap t0).
@inline function kernel(rows: usize, taps: usize, t0: u32, t1: u32, c: u32, b: usize, col: usize, zero: bool): void {
  const s0 = <usize>load<u32>(rows), s1 = <usize>load<u32>(rows, 8), s2 = <usize>load<u32>(rows, 16), s3 = <usize>load<u32>(rows, 24);
  const d0 = <usize>load<u32>(rows, 4) + col, d1 = <usize>load<u32>(rows, 12) + col;
  const d2 = <usize>load<u32>(rows, 20) + col, d3 = <usize>load<u32>(rows, 28) + col;
  let c00 = ld(d0, zero), c01 = ld(d0 + 16, zero), c10 = ld(d1, zero), c11 = ld(d1 + 16, zero);
  let c20 = ld(d2, zero), c21 = ld(d2 + 16, zero), c30 = ld(d3, zero), c31 = ld(d3 + 16, zero);
  const bytes = <usize>c << 2;
  for (let t = t0; t < t1; t++) {
    const off = <usize>load<u32>(taps + (<usize>t << 2));
    const a0 = s0 + off, a1 = s1 + off, a2 = s2 + off, a3 = s3 + off;
    for (let i: usize = 0; i < bytes; i += 4) {
      const b0 = v128.load(b), b1 = v128.load(b, 16);
      const x0 = v128.load32_splat(a0 + i); c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01);
      const x1 = v128.load32_splat(a1 + i); c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11);
      const x2 = v128.load32_splat(a2 + i); c20 = madd(x2, b0, c20); c21 = madd(x2, b1, c21);
      const x3 = v128.load32_splat(a3 + i); c30 = madd(x3, b0, c30); c31 = madd(x3, b1, c31);
      b += 32;
    }
  }
  st(d0, d1, d2, d3, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * CONV args: rows, nRows (multiple of 4), taps, nTaps, C, B, strips, accumulate, rowsPerUnit, tapsPerBlock.
 * Units: blocks of rowsPerUnit rows; within one, every strip and every tap block, rows innermost (the strip's
 * tap block of B stays in L1 while the rows stream past it).
 */
export function conv(op: usize): void {
  const rows = <usize>arg(op, 0);
  const nRows = arg(op, 1);
  const taps = <usize>arg(op, 2);
  const nTaps = arg(op, 3);
  const c = arg(op, 4);
  const b = <usize>arg(op, 5);
  const strips = arg(op, 6);
  const acc = arg(op, 7) != 0;
  const mb = arg(op, 8);
  const tb = arg(op, 9);
  const units = (nRows + mb - 1) / mb;
  const stripBytes = (<usize>nTaps * <usize>c) << 5;
  for (let u = claim(op); <u32>u < units; u = claim(op)) {
    const r0 = <u32>u * mb;
    const r1 = min(r0 + mb, nRows);
    for (let s: u32 = 0; s < strips; s++) {
      const bs = b + <usize>s * stripBytes;
      const col = <usize>s << 5;
      for (let t0: u32 = 0; t0 < nTaps; t0 += tb) {
        const t1 = min(t0 + tb, nTaps);
        const zero = t0 == 0 && !acc;
        const bt = bs + ((<usize>t0 * <usize>c) << 5);
        for (let r = r0; r < r1; r += 4) kernel(rows + (<usize>r << 3), taps, t0, t1, c, bt, col, zero);
      }
    }
  }
}

// dW rows k0..k3 × one 8-column strip over a packed row block: x at `xp` (4 floats a row: k0..k3), the strip's
// dY at `yp` (8 floats a row), `n` rows; dst (4 row addresses) accumulates unless `zero`.
@inline function kernelDw(xp: usize, yp: usize, n: u32, dst: usize, col: usize, zero: bool): void {
  const d0 = <usize>load<u32>(dst) + col, d1 = <usize>load<u32>(dst, 4) + col;
  const d2 = <usize>load<u32>(dst, 8) + col, d3 = <usize>load<u32>(dst, 12) + col;
  let c00 = ld(d0, zero), c01 = ld(d0 + 16, zero), c10 = ld(d1, zero), c11 = ld(d1 + 16, zero);
  let c20 = ld(d2, zero), c21 = ld(d2 + 16, zero), c30 = ld(d3, zero), c31 = ld(d3 + 16, zero);
  const end = xp + (<usize>n << 4);
  for (; xp < end; xp += 16, yp += 32) {
    const b0 = v128.load(yp), b1 = v128.load(yp, 16);
    const x0 = v128.load32_splat(xp); c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01);
    const x1 = v128.load32_splat(xp, 4); c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11);
    const x2 = v128.load32_splat(xp, 8); c20 = madd(x2, b0, c20); c21 = madd(x2, b1, c21);
    const x3 = v128.load32_splat(xp, 12); c30 = madd(x3, b0, c30); c31 = madd(x3, b1, c31);
  }
  st(d0, d1, d2, d3, c00, c01, c10, c11, c20, c21, c30, c31);
}

// The same tile read straight through the row table (src, dy pairs), for narrow dY (one or two strips): packing
// the 4 x columns would cost about a third of the kernel there, and rows that close do not alias in L1.
@inline function kernelDwRows(rows: usize, m0: u32, m1: u32, koff: usize, dst: usize, col: usize, zero: bool): void {
  const o0 = <usize>load<u32>(koff), o1 = <usize>load<u32>(koff, 4), o2 = <usize>load<u32>(koff, 8), o3 = <usize>load<u32>(koff, 12);
  const d0 = <usize>load<u32>(dst) + col, d1 = <usize>load<u32>(dst, 4) + col;
  const d2 = <usize>load<u32>(dst, 8) + col, d3 = <usize>load<u32>(dst, 12) + col;
  let c00 = ld(d0, zero), c01 = ld(d0 + 16, zero), c10 = ld(d1, zero), c11 = ld(d1 + 16, zero);
  let c20 = ld(d2, zero), c21 = ld(d2 + 16, zero), c30 = ld(d3, zero), c31 = ld(d3 + 16, zero);
  const end = rows + (<usize>m1 << 3);
  for (let r = rows + (<usize>m0 << 3); r < end; r += 8) {
    const sp = <usize>load<u32>(r);
    const dp = <usize>load<u32>(r, 4) + col;
    const b0 = v128.load(dp), b1 = v128.load(dp, 16);
    const x0 = v128.load32_splat(sp + o0); c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01);
    const x1 = v128.load32_splat(sp + o1); c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11);
    const x2 = v128.load32_splat(sp + o2); c20 = madd(x2, b0, c20); c21 = madd(x2, b1, c21);
    const x3 = v128.load32_splat(sp + o3); c30 = madd(x3, b0, c30); c31 = madd(x3, b1, c31);
  }
  st(d0, d1, d2, d3, c00, c01, c10, c11, c20, c21, c30, c31);
}

// Packs rows [m0, m0 + n) of dY into strips: yp[s][r][8] = dY[row r][8s .. 8s+8).
@inline function packDy(rows: usize, m0: u32, n: u32, strips: u32, yp: usize): void {
  for (let r: u32 = 0; r < n; r++) {
    const dp = <usize>load<u32>(rows + (<usize>(m0 + r) << 3), 4);
    let to = yp + (<usize>r << 5);
    const step = <usize>n << 5;
    for (let s: u32 = 0; s < strips; s++, to += step) {
      v128.store(to, v128.load(dp + (<usize>s << 5)));
      v128.store(to, v128.load(dp + (<usize>s << 5), 16), 16);
    }
  }
}

// Packs the 4 k of one group for rows [m0, m0 + n): xp[r][j] = src[row r + koff_j].
@inline function packX(rows: usize, m0: u32, n: u32, koff: usize, xp: usize): void {
  const o0 = <usize>load<u32>(koff), o1 = <usize>load<u32>(koff, 4), o2 = <usize>load<u32>(koff, 8), o3 = <usize>load<u32>(koff, 12);
  for (let r: u32 = 0; r < n; r++) {
    const sp = <usize>load<u32>(rows + (<usize>(m0 + r) << 3));
    const to = xp + (<usize>r << 4);
    store<f32>(to, load<f32>(sp + o0));
    store<f32>(to, load<f32>(sp + o1), 4);
    store<f32>(to, load<f32>(sp + o2), 8);
    store<f32>(to, load<f32>(sp + o3), 12);
  }
}

/**
 * CONV_DW args: rows (src, dy pairs), M, koff (byte offset per k, padded to a multiple of 4), dst (dW row
 * address per k; padding rows point at a trash row), groups (K/4 rounded up), strips, rowsPerBlock,
 * groupsPerUnit, scratch, scratchBytes (per thread). Units: runs of groupsPerUnit groups of 4 k; each walks the
 * row blocks in order, packs the block's dY into strips and, per group, its 4 x columns into the thread's
 * scratch, so the kernel streams contiguous memory (strided rows alias in L1 at wide layers); one or two strips
 * read through the row table instead. Every dW element
 * still sums its rows in row order, whatever the blocking and the thread count.
 */
export function convDw(op: usize): void {
  const rows = <usize>arg(op, 0);
  const m = arg(op, 1);
  const koff = <usize>arg(op, 2);
  const dst = <usize>arg(op, 3);
  const groups = arg(op, 4);
  const strips = arg(op, 5);
  const mb = arg(op, 6);
  const kg = arg(op, 7);
  const yp = <usize>arg(op, 8) + <usize>threadIndex() * <usize>arg(op, 9);
  const xp = yp + (<usize>(mb * strips) << 5);
  const units = (groups + kg - 1) / kg;
  for (let u = claim(op); <u32>u < units; u = claim(op)) {
    const g0 = <u32>u * kg;
    const g1 = min(g0 + kg, groups);
    for (let m0: u32 = 0; m0 < m; m0 += mb) {
      const n = min(mb, m - m0);
      if (strips <= 2) {
        for (let g = g0; g < g1; g++) {
          const ko = koff + (<usize>g << 4);
          const dr = dst + (<usize>g << 4);
          for (let s: u32 = 0; s < strips; s++) kernelDwRows(rows, m0, m0 + n, ko, dr, <usize>s << 5, m0 == 0);
        }
        continue;
      }
      packDy(rows, m0, n, strips, yp);
      for (let g = g0; g < g1; g++) {
        packX(rows, m0, n, koff + (<usize>g << 4), xp);
        const dr = dst + (<usize>g << 4);
        for (let s: u32 = 0; s < strips; s++)
          kernelDw(xp, yp + ((<usize>s * <usize>n) << 5), n, dr, <usize>s << 5, m0 == 0);
      }
    }
  }
}
