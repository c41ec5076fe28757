// BatchNorm (training statistics, eval affine map), fused with ReLU and the residual add, and its backward pass.
//
// Statistics are summed per chunk of R image rows (the chunking is fixed by the compiler, not by the thread
// count) and the chunk partials reduced in chunk order in f64, so results do not depend on how many threads ran.
// Training-mode backward, with g = dO masked by the ReLU output and x̂ = (y − μ)·σ⁻¹:
//   dβ = Σg, dγ = Σg·x̂, dy = γσ⁻¹·(g − Σg/M − x̂·Σg·x̂/M) = A·g + C·y + B per channel.
import { arg, argf, chunkSum, claim, eachChannel, eachChunkRow, rowPtr } from "./common";

// The chunk's partial row ([chunk][C·k] f32), zeroed on the chunk's first row.
@inline function partialRow(base: usize, chunk: u32, floats: usize, first: bool): usize {
  const p = base + <usize>chunk * (floats << 2);
  if (first) memory.fill(p, 0, floats << 2);
  return p;
}

function sumRow(op: usize, row: u32, chunk: u32, first: bool): void {
  const cb = <usize>arg(op, 4) << 2;
  const p = partialRow(<usize>arg(op, 7), chunk, <usize>arg(op, 4), first);
  let x = rowPtr(op, 0, row);
  for (let i: u32 = 0, w = arg(op, 3); i < w; i++, x += cb) {
    for (let j: usize = 0; j < cb; j += 16) v128.store(p + j, f32x4.add(v128.load(p + j), v128.load(x + j)));
  }
}

/** BN_SUM: view 0, R 6, partial 7 ([chunk][C] f32). Units: chunks. */
export function bnSum(op: usize): void {
  eachChunkRow(op, 0, arg(op, 6), sumRow);
}

function varRow(op: usize, row: u32, chunk: u32, first: bool): void {
  const cb = <usize>arg(op, 4) << 2;
  const p = partialRow(<usize>arg(op, 7), chunk, <usize>arg(op, 4), first);
  const mean = <usize>arg(op, 8);
  let x = rowPtr(op, 0, row);
  for (let i: u32 = 0, w = arg(op, 3); i < w; i++, x += cb) {
    for (let j: usize = 0; j < cb; j += 16) {
      const d = f32x4.sub(v128.load(x + j), v128.load(mean + j));
      v128.store(p + j, f32x4.add(v128.load(p + j), f32x4.mul(d, d)));
    }
  }
}

/** BN_VARSUM: view 0, R 6, partial 7, mean 8: Σ(x − μ)² per chunk. Units: chunks. */
export function bnVarSum(op: usize): void {
  eachChunkRow(op, 0, arg(op, 6), varRow);
}

function meanChannel(op: usize, ch: u32): void {
  const s = chunkSum(<usize>arg(op, 0), arg(op, 1), arg(op, 2), ch);
  store<f32>(<usize>arg(op, 4) + (<usize>ch << 2), <f32>(s / <f64>arg(op, 3)));
}

/** BN_MEAN: partial 0, chunks 1, C 2, M 3, mean 4. Units: 64 channels. */
export function bnMean(op: usize): void {
  eachChannel(op, arg(op, 2), meanChannel);
}

function finishChannel(op: usize, ch: u32): void {
  const o = <usize>ch << 2;
  const m = <f64>arg(op, 3);
  const v = chunkSum(<usize>arg(op, 0), arg(op, 1), arg(op, 2), ch) / m;
  const mu = <f64>load<f32>(<usize>arg(op, 4) + o);
  const inv = 1.0 / Math.sqrt(v + <f64>argf(op, 13));
  const scale = <f64>load<f32>(<usize>arg(op, 6) + o) * inv;
  store<f32>(<usize>arg(op, 5) + o, <f32>inv);
  store<f32>(<usize>arg(op, 8) + o, <f32>scale);
  store<f32>(<usize>arg(op, 9) + o, <f32>(<f64>load<f32>(<usize>arg(op, 7) + o) - mu * scale));
  if (arg(op, 14) == 0) return;
  const mom = <f64>argf(op, 12);
  const rm = <usize>arg(op, 10) + o;
  const rv = <usize>arg(op, 11) + o;
  const unbiased = m > 1 ? (v * m) / (m - 1) : v;
  store<f32>(rm, <f32>((1 - mom) * <f64>load<f32>(rm) + mom * mu));
  store<f32>(rv, <f32>((1 - mom) * <f64>load<f32>(rv) + mom * unbiased));
}

/**
 * BN_FINISH: partial 0, chunks 1, C 2, M 3, mean 4, invstd 5, gamma 6, beta 7, scale 8, shift 9, runMean 10,
 * runVar 11, momentum 12 (f32), eps 13 (f32), update 14. Biased variance normalises; the running variance
 * takes the unbiased one (torch). Units: 64 channels.
 */
export function bnFinish(op: usize): void {
  eachChannel(op, arg(op, 2), finishChannel);
}

/** BN_EVAL_PREP: C 0, gamma 1, beta 2, runMean 3, runVar 4, eps 5 (f32), scale 6, shift 7. One unit. */
export function bnEvalPrep(op: usize): void {
  if (claim(op) != 0) return;
  const c = arg(op, 0);
  const eps = argf(op, 5);
  for (let ch: u32 = 0; ch < c; ch++) {
    const o = <usize>ch << 2;
    const scale = load<f32>(<usize>arg(op, 1) + o) / Mathf.sqrt(load<f32>(<usize>arg(op, 4) + o) + eps);
    store<f32>(<usize>arg(op, 6) + o, scale);
    store<f32>(<usize>arg(op, 7) + o, load<f32>(<usize>arg(op, 2) + o) - load<f32>(<usize>arg(op, 3) + o) * scale);
  }
}

function applyRow(op: usize, row: u32, chunk: u32, first: bool): void {
  const cb = <usize>arg(op, 4) << 2;
  const scale = <usize>arg(op, 12);
  const shift = <usize>arg(op, 13);
  const relu = arg(op, 14) != 0;
  const mode = arg(op, 15);
  const rscale = <usize>arg(op, 22);
  const rshift = <usize>arg(op, 23);
  const zero = f32x4.splat(0);
  let x = rowPtr(op, 0, row);
  let y = rowPtr(op, 6, row);
  let res = mode != 0 ? rowPtr(op, 16, row) : 0;
  for (let i: u32 = 0, w = arg(op, 3); i < w; i++, x += cb, y += cb, res += cb) {
    for (let j: usize = 0; j < cb; j += 16) {
      let v = f32x4.add(f32x4.mul(v128.load(x + j), v128.load(scale + j)), v128.load(shift + j));
      if (mode == 1) v = f32x4.add(v, v128.load(res + j));
      else if (mode == 2) {
        v = f32x4.add(v, f32x4.add(f32x4.mul(v128.load(res + j), v128.load(rscale + j)), v128.load(rshift + j)));
      }
      v128.store(y + j, relu ? f32x4.max(v, zero) : v);
    }
  }
}

/**
 * BN_APPLY: in 0–5, out 6–11, scale 12, shift 13, relu 14, residual mode 15 (0 none, 1 add, 2 add its own BN),
 * residual 16–21, rscale 22, rshift 23, R 24. out = relu?(x·scale + shift [+ r | + r·rscale + rshift]).
 */
export function bnApply(op: usize): void {
  eachChunkRow(op, 0, arg(op, 24), applyRow);
}

// g = dO where the mask (a ReLU output) is positive, or dO without a mask.
@inline function grad(d: usize, mk: usize, j: usize, masked: bool): v128 {
  const g = v128.load(d + j);
  if (!masked) return g;
  return v128.and(g, f32x4.gt(v128.load(mk + j), f32x4.splat(0)));
}

function bwdSumRow(op: usize, row: u32, chunk: u32, first: bool): void {
  const c = <usize>arg(op, 4);
  const cb = c << 2;
  const masked = arg(op, 6) != 0;
  const mean = <usize>arg(op, 18);
  const p = partialRow(<usize>arg(op, 20), chunk, c << 1, first);
  let d = rowPtr(op, 0, row);
  let mk = masked ? rowPtr(op, 6, row) : 0;
  let y = rowPtr(op, 12, row);
  for (let i: u32 = 0, w = arg(op, 3); i < w; i++, d += cb, mk += cb, y += cb) {
    for (let j: usize = 0; j < cb; j += 16) {
      const g = grad(d, mk, j, masked);
      const xc = f32x4.sub(v128.load(y + j), v128.load(mean + j));
      v128.store(p + j, f32x4.add(v128.load(p + j), g));
      v128.store(p + cb + j, f32x4.add(v128.load(p + cb + j), f32x4.mul(g, xc)));
    }
  }
}

/** BN_BWD_SUM: dO 0–5, mask 6–11 (base 0: none), y 12–17, mean 18, R 19, partial 20 ([chunk][2C]). */
export function bnBwdSum(op: usize): void {
  eachChunkRow(op, 0, arg(op, 19), bwdSumRow);
}

function bwdFinishChannel(op: usize, ch: u32): void {
  const o = <usize>ch << 2;
  const c = arg(op, 2);
  const m = <f64>arg(op, 3);
  const sg = chunkSum(<usize>arg(op, 0), arg(op, 1), 2 * c, ch);
  const inv = <f64>load<f32>(<usize>arg(op, 5) + o);
  const sgx = chunkSum(<usize>arg(op, 0), arg(op, 1), 2 * c, c + ch) * inv;
  if (arg(op, 7) != 0) {
    store<f32>(<usize>arg(op, 7) + o, <f32>sgx);
    store<f32>(<usize>arg(op, 8) + o, <f32>sg);
  }
  const a = <f64>load<f32>(<usize>arg(op, 6) + o) * inv;
  const cc = (-a * inv * sgx) / m;
  store<f32>(<usize>arg(op, 9) + o, <f32>a);
  store<f32>(<usize>arg(op, 10) + o, <f32>((-a * sg) / m - cc * <f64>load<f32>(<usize>arg(op, 4) + o)));
  store<f32>(<usize>arg(op, 11) + o, <f32>cc);
}

/**
 * BN_BWD_FINISH: partial 0, chunks 1, C 2, M 3, mean 4, invstd 5, gamma 6, dgamma 7, dbeta 8 (0: frozen),
 * coefA 9, coefB 10, coefC 11. Units: 64 channels.
 */
export function bnBwdFinish(op: usize): void {
  eachChannel(op, arg(op, 2), bwdFinishChannel);
}

function bwdApplyRow(op: usize, row: u32, chunk: u32, first: bool): void {
  const cb = <usize>arg(op, 4) << 2;
  const masked = arg(op, 6) != 0;
  const ca = <usize>arg(op, 18);
  const cbv = <usize>arg(op, 19);
  const cc = <usize>arg(op, 20);
  const ident = arg(op, 27) != 0;
  const useY = arg(op, 34) != 0;
  let d = rowPtr(op, 0, row);
  let mk = masked ? rowPtr(op, 6, row) : 0;
  let y = useY ? rowPtr(op, 12, row) : 0;
  let out = rowPtr(op, 21, row);
  let id = ident ? rowPtr(op, 27, row) : 0;
  for (let i: u32 = 0, w = arg(op, 3); i < w; i++, d += cb, mk += cb, y += cb, out += cb, id += cb) {
    for (let j: usize = 0; j < cb; j += 16) {
      const g = grad(d, mk, j, masked);
      let v = f32x4.mul(g, v128.load(ca + j));
      if (useY) v = f32x4.add(v, f32x4.add(f32x4.mul(v128.load(y + j), v128.load(cc + j)), v128.load(cbv + j)));
      v128.store(out + j, v);
      if (ident) v128.store(id + j, g);
    }
  }
}

/**
 * BN_BWD_APPLY: dO 0–5, mask 6–11, y 12–17, coefA 18, coefB 19, coefC 20, out 21–26, identity out 27–32 (base 0:
 * none), R 33, useY 34. out = A·g + C·y + B (eval mode: useY 0, B ignored: out = A·g); identity out = g.
 */
export function bnBwdApply(op: usize): void {
  eachChunkRow(op, 0, arg(op, 33), bwdApplyRow);
}

/** ZERO: ptr 0, bytes 1. Units: 64 KiB. */
export function zero(op: usize): void {
  const p = <usize>arg(op, 0);
  const n = <usize>arg(op, 1);
  const units = <i32>((n + 65535) >> 16);
  for (let u = claim(op); u < units; u = claim(op)) {
    const s = <usize>u << 16;
    memory.fill(p + s, 0, min(n - s, 65536));
  }
}
