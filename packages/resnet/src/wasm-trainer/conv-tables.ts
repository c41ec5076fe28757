/**
 * Row and tap tables of the engine's convolutions (assembly/trainer/conv.ts). Everything geometric is decided
 * here, once per compiled network: which source address each output row reads, at which offsets the kernel
 * taps sit, and for the input gradient which taps reach each stride phase.
 */
import type { ConvSpec } from "../model/plan.js";
import { type MemoryLayout, pixelAddress, type View } from "./memory-layout.js";

/** Rows per micro-kernel call: tables are padded to a multiple with rows that read row 0 and write to trash. */
export const KERNEL_ROWS = 4;

/** A row table in engine memory: `count` (src, dst) address pairs, `count` a multiple of KERNEL_ROWS. */
export interface RowTable {
  addr: number;
  count: number;
}

/** Where a dense table goes: tables are written after the memory exists, so they are queued here. */
export type TableWriter = (addr: number, values: Uint32Array) => void;

export interface ConvGeometry {
  spec: ConvSpec;
  /** Input (padded by at least spec.pad) and output views. */
  x: View;
  y: View;
}

/**
 * A row table of `rows` rows, filled by `fill(values)` (src at 2i, dst at 2i+1) without intermediate arrays; with
 * `trash`, padded to a multiple of KERNEL_ROWS by rows that read row 0 and write to trash.
 */
function rowTable(
  layout: MemoryLayout,
  write: TableWriter,
  rows: number,
  fill: (values: Uint32Array) => void,
  trash?: number,
): RowTable {
  const count = trash !== undefined ? Math.ceil(rows / KERNEL_ROWS) * KERNEL_ROWS : rows;
  // Reserve first: a network too big for the engine fails here, before the table is built.
  const addr = layout.alloc(count * 8);
  const values = new Uint32Array(count * 2);
  fill(values);
  for (let i = rows; i < count; i++) {
    values[2 * i] = values[0]!;
    values[2 * i + 1] = trash!;
  }
  write(addr, values);
  return { addr, count };
}

function table(layout: MemoryLayout, write: TableWriter, values: number[]): number {
  const data = Uint32Array.from(values);
  const addr = layout.alloc(data.byteLength);
  write(addr, data);
  return addr;
}

/** Source address of output pixel (n, oy, ox) at tap (0, 0), in the input's padded frame. */
function sourceOrigin(g: ConvGeometry, n: number, oy: number, ox: number): number {
  const s = g.spec.stride;
  return pixelAddress(g.x, n, oy * s - g.spec.pad, ox * s - g.spec.pad);
}

/**
 * One row per output pixel, in NHW order: (source address at tap 0, the pixel's address in `out`) — `out` is the
 * conv's output (forward) or its gradient (filter gradient). With `trash`, padded to a multiple of KERNEL_ROWS.
 */
export function outputRows(
  layout: MemoryLayout,
  write: TableWriter,
  g: ConvGeometry,
  out: View,
  trash?: number,
): RowTable {
  const { n: batch, h, w } = g.y;
  return rowTable(
    layout,
    write,
    batch * h * w,
    (v) => {
      let i = 0;
      for (let n = 0; n < batch; n++)
        for (let oy = 0; oy < h; oy++) {
          let src = sourceOrigin(g, n, oy, 0);
          let dst = pixelAddress(out, n, oy, 0);
          const srcStep = g.spec.stride * g.x.c * 4;
          for (let ox = 0; ox < w; ox++, i += 2, src += srcStep, dst += out.c * 4) {
            v[i] = src;
            v[i + 1] = dst;
          }
        }
    },
    trash,
  );
}

/** Byte offsets of the kernel taps (row-major over kh, kw) from a row's source origin. */
export function forwardTaps(layout: MemoryLayout, write: TableWriter, g: ConvGeometry): number {
  const k = g.spec.kernel;
  const wp = g.x.w + 2 * g.x.p;
  const offsets: number[] = [];
  for (let kh = 0; kh < k; kh++) for (let kw = 0; kw < k; kw++) offsets.push((kh * wp + kw) * g.x.c * 4);
  return table(layout, write, offsets);
}

/** Filter-gradient k offsets (tap offset + channel) and dW row addresses, both padded to a multiple of 4. */
export function filterGradTables(
  layout: MemoryLayout,
  write: TableWriter,
  g: ConvGeometry,
  dw: number,
  trash: number,
): { koff: number; dst: number; groups: number } {
  const k = g.spec.kernel;
  const wp = g.x.w + 2 * g.x.p;
  const ci = g.x.c;
  const co = g.y.c;
  const koff: number[] = [];
  const dst: number[] = [];
  for (let kh = 0; kh < k; kh++)
    for (let kw = 0; kw < k; kw++)
      for (let c = 0; c < ci; c++) {
        koff.push(((kh * wp + kw) * ci + c) * 4);
        dst.push(dw + koff.length * co * 4 - co * 4);
      }
  const groups = Math.ceil(koff.length / 4);
  while (koff.length < groups * 4) {
    koff.push(0);
    dst.push(trash);
  }
  return { koff: table(layout, write, koff), dst: table(layout, write, dst), groups };
}

/** One stride phase of the input gradient: the taps that reach it and its rows. */
export interface InputGradPhase {
  /** Window indices (kh·k + kw) of the taps, for packing the transposed filter. */
  taps: number;
  tapCount: number;
  /** Byte offsets of those taps in dY's padded frame. */
  offsets: number;
  rows: RowTable;
  /** dX pixels this phase writes (rows before padding). */
  pixels: number;
}

/** Border dY needs so that every phase's taps stay inside it (k − 1 − pad at stride 1). */
export function inputGradPadding(spec: ConvSpec, inSize: number, outSize: number): number {
  let need = 0;
  const { kernel: k, stride: s, pad: p } = spec;
  for (let ph = 0; ph < s; ph++)
    for (let kh = 0; kh < k; kh++) {
      if ((ph + p - kh) % s !== 0) continue;
      const d = (ph + p - kh) / s;
      const last = Math.ceil((inSize - ph) / s) - 1;
      need = Math.max(need, -d, last + d - (outSize - 1));
    }
  return need;
}

/**
 * The input gradient as one implicit GEMM per stride phase: dX pixel (n, i·s + ph, j·s + pw) gathers
 * dY[n, i + dh, j + dw] for each tap with (ph + pad − kh) = s·dh (likewise for w). Phases no tap reaches are
 * skipped (their dX stays as written before: zeros, or the shortcut's gradient).
 */
export function inputGradPhases(
  layout: MemoryLayout,
  write: TableWriter,
  spec: ConvSpec,
  dy: View,
  dx: View,
  trash: number,
): InputGradPhase[] {
  const { kernel: k, stride: s, pad: p } = spec;
  const wp = dy.w + 2 * dy.p;
  const phases: InputGradPhase[] = [];
  for (let ph = 0; ph < s; ph++)
    for (let pw = 0; pw < s; pw++) {
      const taps: number[] = [];
      const offsets: number[] = [];
      for (let kh = 0; kh < k; kh++)
        for (let kw = 0; kw < k; kw++) {
          if ((ph + p - kh) % s !== 0 || (pw + p - kw) % s !== 0) continue;
          taps.push(kh * k + kw);
          offsets.push((((ph + p - kh) / s) * wp + (pw + p - kw) / s) * dy.c * 4);
        }
      if (taps.length === 0) continue;
      const hs = Math.ceil((dx.h - ph) / s);
      const ws = Math.ceil((dx.w - pw) / s);
      if (hs <= 0 || ws <= 0) continue;
      const pixels = dx.n * hs * ws;
      const rows = rowTable(
        layout,
        write,
        pixels,
        (v) => {
          let i = 0;
          for (let n = 0; n < dx.n; n++)
            for (let y = ph; y < dx.h; y += s) {
              let src = pixelAddress(dy, n, (y - ph) / s, 0);
              let dst = pixelAddress(dx, n, y, pw);
              for (let x = pw; x < dx.w; x += s, i += 2, src += dy.c * 4, dst += s * dx.c * 4) {
                v[i] = src;
                v[i + 1] = dst;
              }
            }
        },
        trash,
      );
      phases.push({
        taps: table(layout, write, taps),
        tapCount: taps.length,
        offsets: table(layout, write, offsets),
        rows,
        pixels,
      });
    }
  return phases;
}
