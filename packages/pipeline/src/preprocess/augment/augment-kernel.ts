/**
 * The WebAssembly (SIMD128) train-augment kernel, compiled from `packages/pipeline/assembly/`: a crop + bilinear
 * resize bit-exact with Pillow's `img.crop(box).resize((S, S), Image.BILINEAR)` (what torchvision's
 * RandomResizedCrop does on PIL images), and the per-pixel loops of ColorJitter + Normalize. The module
 * allocates nothing itself: {@link augmentLayout} lays the linear memory out per call and grows it only when a
 * larger image arrives, so after warm-up the memory stays the same size. Each thread has its own instance
 * ({@link mainThreadKernel} here, one per worker in augment-worker.ts).
 */

import type { CropBox } from "../random-resized-crop.js";
import { AUGMENT_WASM_BASE64 } from "./augment-wasm.generated.js";

/** A wasm linear memory (the lib settings here carry no WebAssembly types, so the part used is spelled out). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** A compiled wasm module (opaque). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}

const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The kernel's exports (pointers are byte offsets into `memory`). */
export interface AugmentExports {
  memory: WasmMemory;
  heapBase(): number;
  workBytes(w: number, h: number, size: number): number;
  cropResize(
    src: number,
    stride: number,
    channels: number,
    w: number,
    h: number,
    size: number,
    flip: number,
    dst: number,
    tmp: number,
    work: number,
  ): void;
  histogram(src: number, n: number, channels: number, hist: number): void;
  pixelMean(
    src: number,
    n: number,
    pre: number,
    fs: number,
    a: number,
    b: number,
    lo: number,
    hi: number,
  ): number;
  lookup(src: number, n: number, channels: number, norm: number, out: number): void;
  saturate(src: number, n: number, scaled: number, grey: number, lims: number, out: number): void;
}

/**
 * Uint8 HWC pixels (channels 1 or 3) and the crop of them to resize.
 * @example
 * const rgb = cropResize({ pixels, width: 341, height: 256, channels: 3, box, size: 224, flip: false });
 */
export interface CropResizeInput {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: number;
  box: CropBox;
  /** Output side. */
  size: number;
  /** Mirror the output horizontally. */
  flip: boolean;
}

/** Byte offsets of one call's buffers in the kernel's memory. */
export interface AugmentLayout {
  src: number;
  dst: number;
  tmp: number;
  work: number;
  hist: number;
  pre: number;
  norm: number;
  scaled: number;
  grey: number;
  lims: number;
  out: number;
  end: number;
}

let compiled: WasmModule | undefined;

/**
 * The compiled module (compiled once per thread; a Module can also be posted to a worker).
 *
 * @example
 * const ex = instantiateAugment(augmentModule());
 */
export function augmentModule(): WasmModule {
  compiled ??= new wasmApi.Module(Buffer.from(AUGMENT_WASM_BASE64, "base64"));
  return compiled;
}

/**
 * A new instance with its own memory (one per thread: calls on one instance must not interleave).
 *
 * @example
 * const ex = instantiateAugment(augmentModule());
 */
export function instantiateAugment(module: WasmModule): AugmentExports {
  return new wasmApi.Instance(module, {}).exports as AugmentExports;
}

/**
 * Lays out one call for a `rows`-row slice of `width`-pixel rows (16-byte aligned, with the slack the SIMD
 * loops need) and grows the memory when it is too small.
 *
 * @example
 * const at = augmentLayout(ex, 500, 300, 3, 280, 224);
 */
export function augmentLayout(
  ex: AugmentExports,
  width: number,
  rows: number,
  channels: number,
  cropWidth: number,
  size: number,
): AugmentLayout {
  const up = (v: number) => (v + 15) & ~15;
  const n = size * size * channels;
  const src = up(ex.heapBase());
  const dst = up(src + rows * width * channels + 16);
  const tmp = up(dst + n + 16);
  const work = up(tmp + rows * size * channels + 16);
  const hist = up(work + ex.workBytes(cropWidth, rows, size));
  const pre = hist + 3072;
  const norm = pre + 2048;
  const scaled = norm + 3072;
  const grey = scaled + 6144;
  const lims = grey + 6144;
  const out = lims + 80;
  const end = out + n * 4;
  const short = end - ex.memory.buffer.byteLength;
  if (short > 0) ex.memory.grow(Math.ceil(short / 65536));
  return { src, dst, tmp, work, hist, pre, norm, scaled, grey, lims, out, end };
}

/**
 * Copies the crop's rows into the kernel and resizes; the result is `size² × channels` bytes at `layout.dst`.
 *
 * @example
 * const at = cropResizeWasm(ex, { pixels, width, height, channels: 3, box, size: 224, flip: false });
 * const rgb = new Uint8Array(ex.memory.buffer, at.dst, 224 * 224 * 3);
 */
export function cropResizeWasm(ex: AugmentExports, job: CropResizeInput): AugmentLayout {
  const { pixels, width, height, channels, box, size } = job;
  const inside = box.left >= 0 && box.top >= 0 && box.width > 0 && box.height > 0;
  if (!inside || box.left + box.width > width || box.top + box.height > height)
    throw new RangeError(`crop ${JSON.stringify(box)} outside a ${width}x${height} image`);
  if (pixels.length < width * height * channels || (channels !== 1 && channels !== 3))
    throw new RangeError(`${pixels.length} bytes are not a ${width}x${height}x${channels} image`);
  const stride = width * channels;
  const at = augmentLayout(ex, width, box.height, channels, box.width, size);
  const rows = pixels.subarray(box.top * stride, (box.top + box.height) * stride);
  new Uint8Array(ex.memory.buffer, at.src, rows.length).set(rows);
  const src = at.src + box.left * channels;
  ex.cropResize(
    src,
    stride,
    channels,
    box.width,
    box.height,
    size,
    job.flip ? 1 : 0,
    at.dst,
    at.tmp,
    at.work,
  );
  return at;
}

/**
 * Pillow-exact crop + bilinear resize (+ flip) to a new `size² × channels` array, for tests and one-offs.
 *
 * @example
 * const rgb = cropResize({ pixels, width: 341, height: 256, channels: 3, box, size: 224, flip: true });
 */
export function cropResize(job: CropResizeInput, ex: AugmentExports = mainThreadKernel()): Uint8Array {
  const at = cropResizeWasm(ex, job);
  return new Uint8Array(ex.memory.buffer, at.dst, job.size * job.size * job.channels).slice();
}

let mainKernel: AugmentExports | undefined;

/**
 * This thread's shared instance (inline augment, a pool's fallback).
 *
 * @example
 * const ex = mainThreadKernel();
 */
export function mainThreadKernel(): AugmentExports {
  mainKernel ??= instantiateAugment(augmentModule());
  return mainKernel;
}
