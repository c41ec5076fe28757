// BatchNorm (training statistics, eval affine map), fused with ReLU and the residual add, and its backward pass.
//
// Statistics are summed per chunk of R image rows (the chunking is fixed by the compiler, not by the thread
// count) and the chunk partials reduced in chunk order in f64, so results do not depend on how many threads ran.
// Training-mode backward, with g = dO masked by the ReLU output and x̂ = (y − μ)·σ⁻¹:
//   dβ = Σg, dγ = Σg·x̂, dy = γσ⁻¹·(g − Σg/M − x̂·Σg·x̂/M) = A·g + C·y + B per channel.
import { arg, argf, claim, rowCount, rowPtr } from "./common";

/** BN_SUM: view 0, R 6, partial 7 ([chunk][C] f32). Units: chunks. */
export function bnSum(op: usize): void {
  const c = arg(op, 4);
  const w = arg(op, 3);
  const rows = rowCount(op, 0);
  const r = arg(op, 6);
  const partial = <usize>arg(op, 7);
  const chunks = (rows + r - 1) / r;
  const cb = <usize>c << 2;
  for (let u = claim(op); <u32>u < chunks; u = claim(op)) {
    const p = partial + <usize>u * cb;
    memory.fill(p, 0, cb);
    const end = min(<u32>(u + 1) * r, rows);
    for (let row = <u32>u * r; row < end; row++) {
      let x = rowPtr(op, 0, row);
      for (let i: u32 = 0; i < w; i++) {
        for (let j: usize = 0; j < cb; j += 16) v128.store(p + j, f32x4.add(v128.load(p + j), v128.load(x + j)));
        x += cb;
      }
    }
  }
}

/** BN_VARSUM: view 0, R 6, partial 7, mean 8: Σ(x − μ)² per chunk. Units: chunks. */
export function bnVarSum(op: usize): void {
  const c = arg(op, 4);
  const w = arg(op, 3);
  const rows = rowCount(op, 0);
  const r = arg(op, 6);
  const partial = <usize>arg(op, 7);
  const mean = <usize>arg(op, 8);
  const chunks = (rows + r - 1) / r;
  const cb = <usize>c << 2;
  for (let u = claim(op); <u32>u < chunks; u = claim(op)) {
    const p = partial + <usize>u * cb;
    memory.fill(p, 0, cb);
    const end = min(<u32>(u + 1) * r, rows);
    for (let row = <u32>u * r; row < end; row++) {
      let x = rowPtr(op, 0, row);
      for (let i: u32 = 0; i < w; i++) {
        for (let j: usize = 0; j < cb; j += 16) {
          const d = f32x4.sub(v128.load(x + j), v128.load(mean + j));
          v128.store(p + j, f32x4.add(v128.load(p + j), f32x4.mul(d, d)));
        }
        x += cb;
      }
    }
  }
}

const CH_UNIT: u32 = 64;

/** BN_MEAN: partial 0, chunks 1, C 2, M 3, mean 4. Units: 64 channels. */
export function bnMean(op: usize): void {
  const partial = <usize>arg(op, 0);
  const chunks = arg(op, 1);
  const c = arg(op, 2);
  const m = <f64>arg(op, 3);
  const mean = <usize>arg(op, 4);
  const units = (c + CH_UNIT - 1) / CH_UNIT;
  for (let u = claim(op); <u32>u < units; u = claim(op)) {
    const end = min(<u32>(u + 1) * CH_UNIT, c);
    for (let ch = <u32>u * CH_UNIT; ch < end; ch++) {
      let s: f64 = 0;
      for (let k: u32 = 0; k < chunks; k++) s += <f64>load<f32>(partial + ((<usize>(k * c + ch)) << 2));
      store<f32>(mean + (<usize>ch << 2), <f32>(s / m));
    }
  }
}

/**
 * BN_FINISH: partial 0, chunks 1, C 2, M 3, mean 4, invstd 5, gamma 6, beta 7, scale 8, shift 9, runMean 10,
 * runVar 11, momentum 12 (f32), eps 13 (f32), update 14. Biased variance normalises; the running variance
 * takes the unbiased one (torch). Units: 64 channels.
 */
export function bnFinish(op: usize): void {
  const partial = <usize>arg(op, 0);
  const chunks = arg(op, 1);
  const c = arg(op, 2);
  const m = <f64>arg(op, 3);
  const mom = <f64>argf(op, 12);
  const eps = <f64>argf(op, 13);
  const update = arg(op, 14) != 0;
  const units = (c + CH_UNIT - 1) / CH_UNIT;
  for (let u = claim(op); <u32>u < units; u = claim(op)) {
    const end = min(<u32>(u + 1) * CH_UNIT, c);
    for (let ch = <u32>u * CH_UNIT; ch < end; ch++) {
      const o = <usize>ch << 2;
      let s: f64 = 0;
      for (let k: u32 = 0; k < chunks; k++) s += <f64>load<f32>(partial + ((<usize>(k * c + ch)) << 2));
      const v = s / m;
      const mu = <f64>load<f32>(<usize>arg(op, 4) + o);
      const inv = 1.0 / Math.sqrt(v + eps);
      const scale = <f64>load<f32>(<usize>arg(op, 6) + o) * inv;
      store<f32>(<usize>arg(op, 5) + o, <f32>inv);
      store<f32>(<usize>arg(op, 8) + o, <f32>scale);
      store<f32>(<usize>arg(op, 9) + o, <f32>(<f64>load<f32>(<usize>arg(op, 7) + o) - mu * scale));
      if (update) {
        const rm = <usize>arg(op, 10) + o;
        const rv = <usize>arg(op, 11) + o;
        const unbiased = m > 1 ? (v * m) / (m - 1) : v;
        store<f32>(rm, <f32>((1 - mom) * <f64>load<f32>(rm) + mom * mu));
        store<f32>(rv, <f32>((1 - mom) * <f64>load<f32>(rv) + mom * unbiased));
      }
    }
  }
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

/**
 * BN_APPLY: in 0–5, out 6–11, scale 12, shift 13, relu 14, residual mode 15 (0 none, 1 add, 2 add its own BN),
 * residual 16–21, rscale 22, rshift 23, R 24. out = relu?(x·scale + shift [+ r | + r·rscale + rshift]).
 */
export function bnApply(op: usize): void {
  const c = arg(op, 4);
  const w = arg(op, 3);
  const rows = rowCount(op, 0);
  const r = arg(op, 24);
  const scale = <usize>arg(op, 12);
  const shift = <usize>arg(op, 13);
  const relu = arg(op, 14) != 0;
  const mode = arg(op, 15);
  const rscale = <usize>arg(op, 22);
  const rshift = <usize>arg(op, 23);
  const chunks = (rows + r - 1) / r;
  const cb = <usize>c << 2;
  const zero = f32x4.splat(0);
  for (let u = claim(op); <u32>u < chunks; u = claim(op)) {
    const end = min(<u32>(u + 1) * r, rows);
    for (let row = <u32>u * r; row < end; row++) {
      let x = rowPtr(op, 0, row);
      let y = rowPtr(op, 6, row);
      let res = mode != 0 ? rowPtr(op, 16, row) : 0;
      for (let i: u32 = 0; i < w; i++) {
        for (let j: usize = 0; j < cb; j += 16) {
          let v = f32x4.add(f32x4.mul(v128.load(x + j), v128.load(scale + j)), v128.load(shift + j));
          if (mode == 1) v = f32x4.add(v, v128.load(res + j));
          else if (mode == 2) {
            const t = f32x4.add(f32x4.mul(v128.load(res + j), v128.load(rscale + j)), v128.load(rshift + j));
            v = f32x4.add(v, t);
          }
          if (relu) v = f32x4.max(v, zero);
          v128.store(y + j, v);
        }
        x += cb;
        y += cb;
        res += cb;
      }
    }
  }
}

// g = dO where the mask (a ReLU output) is positive, or dO without a mask.
@inline function grad(d: usize, mk: usize, j: usize, masked: bool): v128 {
  const g = v128.load(d + j);
  if (!masked) return g;
  return v128.and(g, f32x4.gt(v128.load(mk + j), f32x4.splat(0)));
}

/** BN_BWD_SUM: dO 0–5, mask 6–11 (base 0: none), y 12–17, mean 18, R 19, partial 20 ([chunk][2C]). */
export function bnBwdSum(op: usize): void {
  const c = arg(op, 4);
  const w = arg(op, 3);
  const rows = rowCount(op, 0);
  const masked = arg(op, 6) != 0;
  const mean = <usize>arg(op, 18);
  const r = arg(op, 19);
  const partial = <usize>arg(op, 20);
  const chunks = (rows + r - 1) / r;
  const cb = <usize>c << 2;
  for (let u = claim(op); <u32>u < chunks; u = claim(op)) {
    const p = partial + ((<usize>u * cb) << 1);
    memory.fill(p, 0, cb << 1);
    const end = min(<u32>(u + 1) * r, rows);
    for (let row = <u32>u * r; row < end; row++) {
      let d = rowPtr(op, 0, row);
      let mk = masked ? rowPtr(op, 6, row) : 0;
      let y = rowPtr(op, 12, row);
      for (let i: u32 = 0; i < w; i++) {
        for (let j: usize = 0; j < cb; j += 16) {
          const g = grad(d, mk, j, masked);
          const xc = f32x4.sub(v128.load(y + j), v128.load(mean + j));
          v128.store(p + j, f32x4.add(v128.load(p + j), g));
          v128.store(p + cb + j, f32x4.add(v128.load(p + cb + j), f32x4.mul(g, xc)));
        }
        d += cb;
        mk += cb;
        y += cb;
      }
    }
  }
}

/**
 * BN_BWD_FINISH: partial 0, chunks 1, C 2, M 3, mean 4, invstd 5, gamma 6, dgamma 7, dbeta 8 (0: frozen),
 * coefA 9, coefB 10, coefC 11. Units: 64 channels.
 */
export function bnBwdFinish(op: usize): void {
  const partial = <usize>arg(op, 0);
  const chunks = arg(op, 1);
  const c = arg(op, 2);
  const m = <f64>arg(op, 3);
  const units = (c + CH_UNIT - 1) / CH_UNIT;
  for (let u = claim(op); <u32>u < units; u = claim(op)) {
    const end = min(<u32>(u + 1) * CH_UNIT, c);
    for (let ch = <u32>u * CH_UNIT; ch < end; ch++) {
      const o = <usize>ch << 2;
      let sg: f64 = 0;
      let sgx: f64 = 0;
      for (let k: u32 = 0; k < chunks; k++) {
        const base = partial + ((<usize>(2 * k * c + ch)) << 2);
        sg += <f64>load<f32>(base);
        sgx += <f64>load<f32>(base + (<usize>c << 2));
      }
      const inv = <f64>load<f32>(<usize>arg(op, 5) + o);
      const mu = <f64>load<f32>(<usize>arg(op, 4) + o);
      sgx *= inv;
      if (arg(op, 7) != 0) {
        store<f32>(<usize>arg(op, 7) + o, <f32>sgx);
        store<f32>(<usize>arg(op, 8) + o, <f32>sg);
      }
      const a = <f64>load<f32>(<usize>arg(op, 6) + o) * inv;
      const cc = (-a * inv * sgx) / m;
      store<f32>(<usize>arg(op, 9) + o, <f32>a);
      store<f32>(<usize>arg(op, 10) + o, <f32>((-a * sg) / m - cc * mu));
      store<f32>(<usize>arg(op, 11) + o, <f32>cc);
    }
  }
}

/**
 * BN_BWD_APPLY: dO 0–5, mask 6–11, y 12–17, coefA 18, coefB 19, coefC 20, out 21–26, identity out 27–32 (base 0:
 * none), R 33, useY 34. out = A·g + C·y + B (eval mode: useY 0, B ignored: out = A·g); identity out = g.
 */
export function bnBwdApply(op: usize): void {
  const c = arg(op, 4);
  const w = arg(op, 3);
  const rows = rowCount(op, 0);
  const masked = arg(op, 6) != 0;
  const ca = <usize>arg(op, 18);
  const cbv = <usize>arg(op, 19);
  const cc = <usize>arg(op, 20);
  const ident = arg(op, 27) != 0;
  const r = arg(op, 33);
  const useY = arg(op, 34) != 0;
  const chunks = (rows + r - 1) / r;
  const cb = <usize>c << 2;
  for (let u = claim(op); <u32>u < chunks; u = claim(op)) {
    const end = min(<u32>(u + 1) * r, rows);
    for (let row = <u32>u * r; row < end; row++) {
      let d = rowPtr(op, 0, row);
      let mk = masked ? rowPtr(op, 6, row) : 0;
      let y = useY ? rowPtr(op, 12, row) : 0;
      let out = rowPtr(op, 21, row);
      let id = ident ? rowPtr(op, 27, row) : 0;
      for (let i: u32 = 0; i < w; i++) {
        for (let j: usize = 0; j < cb; j += 16) {
          const g = grad(d, mk, j, masked);
          let v = f32x4.mul(g, v128.load(ca + j));
          if (useY) v = f32x4.add(v, f32x4.add(f32x4.mul(v128.load(y + j), v128.load(cc + j)), v128.load(cbv + j)));
          v128.store(out + j, v);
          if (ident) v128.store(id + j, g);
        }
        d += cb;
        mk += cb;
        y += cb;
        out += cb;
        id += cb;
      }
    }
  }
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

