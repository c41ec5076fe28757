// The stem's 3×3/2 max-pool (torch padding: padded cells never win, the first maximum takes the gradient) and
// global average pooling.
import { arg, claim, eachChunkRow, rowCount, rowPtr } from "./common";

/** MAXPOOL_FWD: in 0–5, out 6–11, argmax 12 (u8 window index per output, [N, Ho, Wo, C]). Units: output rows. */
export function maxPoolFwd(op: usize): void {
  const h = arg(op, 2);
  const w = arg(op, 3);
  const c = arg(op, 4);
  const ho = arg(op, 8);
  const wo = arg(op, 9);
  const argmax = <usize>arg(op, 12);
  const rows = rowCount(op, 6);
  const cb = <usize>c << 2;
  for (let u = claim(op); <u32>u < rows; u = claim(op)) {
    const n = <u32>u / ho;
    const oy = <u32>u - n * ho;
    let out = rowPtr(op, 6, <u32>u);
    let am = argmax + <usize>u * <usize>wo * <usize>c;
    for (let ox: u32 = 0; ox < wo; ox++) {
      for (let j: usize = 0; j < cb; j += 16) {
        let best = f32x4.splat(-Infinity);
        let idx = i32x4.splat(0);
        for (let ky: i32 = 0; ky < 3; ky++) {
          const iy = <i32>(oy * 2) - 1 + ky;
          if (iy < 0 || iy >= <i32>h) continue;
          const row = rowPtr(op, 0, n * h + <u32>iy);
          for (let kx: i32 = 0; kx < 3; kx++) {
            const ix = <i32>(ox * 2) - 1 + kx;
            if (ix < 0 || ix >= <i32>w) continue;
            const v = v128.load(row + <usize>ix * cb + j);
            const gt = f32x4.gt(v, best);
            best = v128.bitselect(v, best, gt);
            idx = v128.bitselect(i32x4.splat(ky * 3 + kx), idx, gt);
          }
        }
        v128.store(out + j, best);
        const a = am + (j >> 2);
        store<u8>(a, <u8>i32x4.extract_lane(idx, 0));
        store<u8>(a, <u8>i32x4.extract_lane(idx, 1), 1);
        store<u8>(a, <u8>i32x4.extract_lane(idx, 2), 2);
        store<u8>(a, <u8>i32x4.extract_lane(idx, 3), 3);
      }
      out += cb;
      am += <usize>c;
    }
  }
}

/** MAXPOOL_BWD: dOut 0–5, argmax 6, dIn 7–12 (zeroed here, per image). Units: images. */
export function maxPoolBwd(op: usize): void {
  const n = arg(op, 1);
  const ho = arg(op, 2);
  const wo = arg(op, 3);
  const c = arg(op, 4);
  const argmax = <usize>arg(op, 6);
  const h = arg(op, 9);
  const w = arg(op, 10);
  const cb = <usize>c << 2;
  for (let u = claim(op); <u32>u < n; u = claim(op)) {
    for (let y: u32 = 0; y < h; y++) memory.fill(rowPtr(op, 7, <u32>u * h + y), 0, <usize>w * cb);
    for (let oy: u32 = 0; oy < ho; oy++) {
      let d = rowPtr(op, 0, <u32>u * ho + oy);
      let am = argmax + (<usize>(<u32>u * ho + oy) * <usize>wo) * <usize>c;
      for (let ox: u32 = 0; ox < wo; ox++) {
        for (let ch: u32 = 0; ch < c; ch++) {
          const k = <u32>load<u8>(am + <usize>ch);
          const ky = k / 3;
          const iy = oy * 2 - 1 + ky;
          const ix = ox * 2 - 1 + (k - ky * 3);
          const t = rowPtr(op, 7, <u32>u * h + iy) + <usize>ix * cb + (<usize>ch << 2);
          store<f32>(t, load<f32>(t) + load<f32>(d + (<usize>ch << 2)));
        }
        d += cb;
        am += <usize>c;
      }
    }
  }
}

/** GAP_FWD: in 0–5, feat 6 ([N, C]). Units: images. */
export function gapFwd(op: usize): void {
  const n = arg(op, 1);
  const h = arg(op, 2);
  const w = arg(op, 3);
  const c = arg(op, 4);
  const cb = <usize>c << 2;
  const inv = f32x4.splat(<f32>1 / <f32>(h * w));
  for (let u = claim(op); <u32>u < n; u = claim(op)) {
    const f = <usize>arg(op, 6) + <usize>u * cb;
    memory.fill(f, 0, cb);
    for (let y: u32 = 0; y < h; y++) {
      let x = rowPtr(op, 0, <u32>u * h + y);
      for (let i: u32 = 0; i < w; i++) {
        for (let j: usize = 0; j < cb; j += 16) v128.store(f + j, f32x4.add(v128.load(f + j), v128.load(x + j)));
        x += cb;
      }
    }
    for (let j: usize = 0; j < cb; j += 16) v128.store(f + j, f32x4.mul(v128.load(f + j), inv));
  }
}

function gapBwdRow(op: usize, row: u32, chunk: u32, first: bool): void {
  const h = arg(op, 3);
  const cb = <usize>arg(op, 5) << 2;
  const inv = f32x4.splat(<f32>1 / <f32>(h * arg(op, 4)));
  const f = <usize>arg(op, 0) + <usize>(row / h) * cb;
  let d = rowPtr(op, 1, row);
  for (let i: u32 = 0, w = arg(op, 4); i < w; i++, d += cb) {
    for (let j: usize = 0; j < cb; j += 16) v128.store(d + j, f32x4.mul(v128.load(f + j), inv));
  }
}

/** GAP_BWD: dFeat 0, dz 1–6, R 7: dz[n, y, x, c] = dFeat[n, c] / (H·W). Units: chunks of R rows. */
export function gapBwd(op: usize): void {
  eachChunkRow(op, 1, arg(op, 7), gapBwdRow);
}
