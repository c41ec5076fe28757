// The classifier head: fc forward/backward and label-smoothed softmax cross-entropy (torch's
// F.cross_entropy(logits, y, label_smoothing=ε): target (1 − ε)·onehot + ε/K, mean over the batch).
import { arg, argf, claim } from "./common";

/** FC_FWD: feat 0, N 1, F 2, W 3 ([F, K]), b 4, K 5, logits 6. Units: samples. */
export function fcFwd(op: usize): void {
  const n = arg(op, 1);
  const f = arg(op, 2);
  const k = arg(op, 5);
  const kv = k & ~3;
  for (let u = claim(op); <u32>u < n; u = claim(op)) {
    const feat = <usize>arg(op, 0) + ((<usize>u * <usize>f) << 2);
    const out = <usize>arg(op, 6) + ((<usize>u * <usize>k) << 2);
    memory.copy(out, <usize>arg(op, 4), <usize>k << 2);
    for (let i: u32 = 0; i < f; i++) {
      const x = load<f32>(feat + (<usize>i << 2));
      const xv = f32x4.splat(x);
      const wr = <usize>arg(op, 3) + ((<usize>i * <usize>k) << 2);
      let j: u32 = 0;
      for (; j < kv; j += 4) {
        const o = <usize>j << 2;
        v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(xv, v128.load(wr + o))));
      }
      for (; j < k; j++) {
        const o = <usize>j << 2;
        store<f32>(out + o, load<f32>(out + o) + x * load<f32>(wr + o));
      }
    }
  }
}

/** CE: logits 0, N 1, K 2, labels 3 (i32), smoothing 4 (f32), dLogits 5, loss 6 (f32 out). One unit. */
export function crossEntropy(op: usize): void {
  if (claim(op) != 0) return;
  const n = arg(op, 1);
  const k = arg(op, 2);
  const eps = <f64>argf(op, 4);
  let total: f64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const row = <usize>arg(op, 0) + ((<usize>i * <usize>k) << 2);
    const drow = <usize>arg(op, 5) + ((<usize>i * <usize>k) << 2);
    const y = load<u32>(<usize>arg(op, 3) + (<usize>i << 2));
    let mx: f64 = -Infinity;
    for (let j: u32 = 0; j < k; j++) mx = Math.max(mx, <f64>load<f32>(row + (<usize>j << 2)));
    let sum: f64 = 0;
    let sumLogit: f64 = 0;
    for (let j: u32 = 0; j < k; j++) {
      const z = <f64>load<f32>(row + (<usize>j << 2)) - mx;
      sum += Math.exp(z);
      sumLogit += z;
    }
    const lse = Math.log(sum);
    const nll = lse - (<f64>load<f32>(row + (<usize>y << 2)) - mx);
    const uniform = lse - sumLogit / <f64>k;
    total += (1 - eps) * nll + eps * uniform;
    for (let j: u32 = 0; j < k; j++) {
      const p = Math.exp(<f64>load<f32>(row + (<usize>j << 2)) - mx) / sum;
      const q = (j == y ? 1 - eps : 0) + eps / <f64>k;
      store<f32>(drow + (<usize>j << 2), <f32>((p - q) / <f64>n));
    }
  }
  store<f32>(<usize>arg(op, 6), <f32>(total / <f64>n));
}

/**
 * FC_BWD: feat 0, N 1, F 2, W 3, K 4, dLogits 5, dW 6, db 7, dFeat 8 (0: not needed). Units: blocks of 64
 * features (unit 0 also writes db).
 */
export function fcBwd(op: usize): void {
  const n = arg(op, 1);
  const f = arg(op, 2);
  const k = arg(op, 4);
  const dl = <usize>arg(op, 5);
  const units = (f + 63) >> 6;
  for (let u = claim(op); <u32>u < units; u = claim(op)) {
    if (u == 0) {
      const db = <usize>arg(op, 7);
      for (let j: u32 = 0; j < k; j++) {
        let s: f32 = 0;
        for (let i: u32 = 0; i < n; i++) s += load<f32>(dl + ((<usize>(i * k + j)) << 2));
        store<f32>(db + (<usize>j << 2), s);
      }
    }
    const end = min(<u32>(u + 1) << 6, f);
    for (let c = <u32>u << 6; c < end; c++) {
      const wr = <usize>arg(op, 3) + ((<usize>c * <usize>k) << 2);
      const dw = <usize>arg(op, 6) + ((<usize>c * <usize>k) << 2);
      for (let j: u32 = 0; j < k; j++) {
        let s: f32 = 0;
        for (let i: u32 = 0; i < n; i++) {
          s += load<f32>(<usize>arg(op, 0) + ((<usize>(i * f + c)) << 2)) * load<f32>(dl + ((<usize>(i * k + j)) << 2));
        }
        store<f32>(dw + (<usize>j << 2), s);
      }
      if (arg(op, 8) != 0) {
        for (let i: u32 = 0; i < n; i++) {
          let s: f32 = 0;
          for (let j: u32 = 0; j < k; j++) s += load<f32>(dl + ((<usize>(i * k + j)) << 2)) * load<f32>(wr + (<usize>j << 2));
          store<f32>(<usize>arg(op, 8) + ((<usize>(i * f + c)) << 2), s);
        }
      }
    }
  }
}
