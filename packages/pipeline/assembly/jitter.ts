// The per-pixel loops of ColorJitter + Normalize (src/preprocess/color-jitter.ts plans them: tables, factors,
// clamps). Each loop does the same double-precision operations in the same order as its JS twin there, so the
// results are the same bits; only the loop overhead differs.

// ITU-R 601 grey weights as torchvision rounds them.
const W0: f64 = 0.2989;
const W1: f64 = 0.587;
const W2: f64 = 0.114;

/** Per-channel histograms (`channels` × 256 i32 counts) of `n` interleaved bytes. */
export function histogram(src: usize, n: i32, channels: i32, hist: usize): void {
  memory.fill(hist, 0, <usize>(channels * 256 * 4));
  if (channels == 3) {
    for (let i = 0; i < n; i += 3) {
      const p = src + <usize>i;
      const r = hist + (<usize>load<u8>(p) << 2);
      const g = hist + 1024 + (<usize>load<u8>(p, 1) << 2);
      const b = hist + 2048 + (<usize>load<u8>(p, 2) << 2);
      store<i32>(r, load<i32>(r) + 1);
      store<i32>(g, load<i32>(g) + 1);
      store<i32>(b, load<i32>(b) + 1);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const h = hist + (<usize>load<u8>(src + <usize>i) << 2);
      store<i32>(h, load<i32>(h) + 1);
    }
  }
}

/** Grey mean after the `pre` table (256 f64), saturation `fs` and the clamped affine map (a, b, lo, hi); RGB. */
export function pixelMean(src: usize, n: i32, pre: usize, fs: f64, a: f64, bb: f64, lo: f64, hi: f64): f64 {
  const af = a * fs;
  let sum = 0.0;
  for (let i = 0; i < n; i += 3) {
    const p = src + <usize>i;
    const r = load<f64>(pre + (<usize>load<u8>(p) << 3));
    const g = load<f64>(pre + (<usize>load<u8>(p, 1) << 3));
    const b = load<f64>(pre + (<usize>load<u8>(p, 2) << 3));
    const k = a * (1 - fs) * (W0 * r + W1 * g + W2 * b) + bb;
    const r2 = af * r + k;
    const g2 = af * g + k;
    const b2 = af * b + k;
    sum += W0 * min(hi, max(lo, r2)) + W1 * min(hi, max(lo, g2)) + W2 * min(hi, max(lo, b2));
  }
  return sum / (<f64>n / 3);
}

/** `out[i] = norm[c·256 + src[i]]` (f32 tables, one per channel). */
export function lookup(src: usize, n: i32, channels: i32, norm: usize, out: usize): void {
  if (channels == 3) {
    for (let i = 0; i < n; i += 3) {
      const p = src + <usize>i;
      const o = out + (<usize>i << 2);
      store<f32>(o, load<f32>(norm + (<usize>load<u8>(p) << 2)));
      store<f32>(o, load<f32>(norm + 1024 + (<usize>load<u8>(p, 1) << 2)), 4);
      store<f32>(o, load<f32>(norm + 2048 + (<usize>load<u8>(p, 2) << 2)), 8);
    }
  } else {
    for (let i = 0; i < n; i++) {
      store<f32>(out + (<usize>i << 2), load<f32>(norm + (<usize>load<u8>(src + <usize>i) << 2)));
    }
  }
}

/**
 * Saturation with everything else folded in: `y = clamp(s[c][v] + A[c]·Σ g[c][v], L[c], H[c])` per channel,
 * `s` and `g` 3 × 256 f64 tables, `lims` 9 f64 (A, L, H per channel).
 */
export function saturate(src: usize, n: i32, s: usize, g: usize, lims: usize, out: usize): void {
  const a0 = load<f64>(lims);
  const a1 = load<f64>(lims, 8);
  const a2 = load<f64>(lims, 16);
  const l0 = load<f64>(lims, 24);
  const l1 = load<f64>(lims, 32);
  const l2 = load<f64>(lims, 40);
  const h0 = load<f64>(lims, 48);
  const h1 = load<f64>(lims, 56);
  const h2 = load<f64>(lims, 64);
  for (let i = 0; i < n; i += 3) {
    const p = src + <usize>i;
    const r = <usize>load<u8>(p) << 3;
    const gg = (<usize>load<u8>(p, 1) << 3) + 2048;
    const b = (<usize>load<u8>(p, 2) << 3) + 4096;
    const t = load<f64>(g + r) + load<f64>(g + gg) + load<f64>(g + b);
    const y0 = load<f64>(s + r) + a0 * t;
    const y1 = load<f64>(s + gg) + a1 * t;
    const y2 = load<f64>(s + b) + a2 * t;
    const o = out + (<usize>i << 2);
    store<f32>(o, <f32>min(h0, max(l0, y0)));
    store<f32>(o, <f32>min(h1, max(l1, y1)), 4);
    store<f32>(o, <f32>min(h2, max(l2, y2)), 8);
  }
}
