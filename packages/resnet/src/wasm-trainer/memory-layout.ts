/**
 * The engine's linear memory as a bump allocator: every buffer of a compiled network (weights, activations,
 * gradients, optimizer slots, row tables, op records) gets a fixed, 64-byte aligned address before any memory
 * exists, so the total size is known up front.
 */
import { ResNetError } from "../errors.js";

/** An NHWC tensor stored with a zero border of `p` cells: the argument form of every image-shaped op. */
export interface View {
  base: number;
  n: number;
  h: number;
  w: number;
  c: number;
  p: number;
}

/** Byte address of pixel (n, y, x) of `v` (y and x may reach into the border: −p ≤ y < h + p). */
export function pixelAddress(v: View, n: number, y: number, x: number): number {
  const hp = v.h + 2 * v.p;
  const wp = v.w + 2 * v.p;
  return v.base + ((n * hp + y + v.p) * wp + x + v.p) * v.c * 4;
}

/** Floats a view occupies, border included. */
export function viewFloats(v: Omit<View, "base">): number {
  return v.n * (v.h + 2 * v.p) * (v.w + 2 * v.p) * v.c;
}

/** The six op arguments of a view (base, N, H, W, C, P); a missing view is six zeros. */
export function viewArgs(v: View | undefined): number[] {
  return v ? [v.base, v.n, v.h, v.w, v.c, v.p] : [0, 0, 0, 0, 0, 0];
}

export class MemoryLayout {
  private top: number;

  constructor(start = 1024) {
    this.top = start;
  }

  /** Reserves `bytes` (rounded up to 64) and returns the address. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top += Math.ceil(Math.max(bytes, 1) / 64) * 64;
    if (this.top > 0xffff_0000)
      throw new ResNetError("trainer_unsupported", "wasm trainer: the network needs more than 4 GiB");
    return at;
  }

  floats(count: number): number {
    return this.alloc(count * 4);
  }

  view(shape: Omit<View, "base">): View {
    return { ...shape, base: this.floats(viewFloats(shape)) };
  }

  /** Bytes reserved so far. */
  get size(): number {
    return this.top;
  }
}
