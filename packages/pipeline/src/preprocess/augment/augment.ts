/**
 * The fused train augment from decoded uint8 pixels: crop + Pillow-exact bilinear resize + flip, then
 * ColorJitter + Normalize, in one WebAssembly instance, written as float32 NHWC into a batch. The jitter's tables
 * come from jitter-tables.ts and its per-pixel loops run in wasm with the same double-precision operations as
 * the JS test oracle (test/support/jitter-oracle.ts), so the two agree bit for bit. The worker threads of
 * augment-pool.ts run this same module (augment-worker.ts imports it).
 */
import { InvalidInputError } from "../../errors.js";
import type { JitterDraw } from "../color-jitter.js";
import {
  type AugmentExports,
  type CropResizeInput,
  cropResizeWasm,
  mainThreadKernel,
} from "./augment-kernel.js";
import { type JitterPixels, normTable, planJitter, saturationTables } from "./jitter-tables.js";

/**
 * One image's augment: the crop to resize, the drawn jitter, and Normalize's mean/std.
 * @example
 * const job: AugmentJob = { pixels, width, height, channels: 3, box, size: 224, flip, draw, mean, std };
 */
export interface AugmentJob extends CropResizeInput {
  draw: JitterDraw;
  mean: readonly number[];
  std: readonly number[];
}

/**
 * Runs `job` on the kernel `ex` and writes `size² × channels` floats to `out` from `offset`.
 *
 * @example
 * augmentInto(mainThreadKernel(), { pixels, width, height, channels: 3, box, size: 224, flip, draw, mean, std }, x, 0);
 */
export function augmentInto(ex: AugmentExports, job: AugmentJob, out: Float32Array, offset: number): void {
  const at = cropResizeWasm(ex, job);
  const c = job.channels;
  const n = job.size * job.size * c;
  const px: JitterPixels = {
    length: n,
    histogram: () => {
      ex.histogram(at.dst, n, c, at.hist);
      return new Int32Array(ex.memory.buffer, at.hist, 256 * c).slice();
    },
    pixelMean: (pre, fs, chain) => {
      new Float64Array(ex.memory.buffer, at.pre, 256).set(pre);
      return ex.pixelMean(at.dst, n, at.pre, fs, chain.a, chain.b, chain.lo, chain.hi);
    },
  };
  const p = planJitter(px, c, job.draw);
  if (p.saturation === 1) {
    new Float32Array(ex.memory.buffer, at.norm, 256 * c).set(normTable(p.lut, c, job.mean, job.std));
    ex.lookup(at.dst, n, c, at.norm, at.out);
  } else {
    const t = saturationTables(p, job.mean, job.std);
    new Float64Array(ex.memory.buffer, at.scaled, 768).set(t.scaled);
    new Float64Array(ex.memory.buffer, at.grey, 768).set(t.grey);
    new Float64Array(ex.memory.buffer, at.lims, 9).set(t.lims);
    ex.saturate(at.dst, n, at.scaled, at.grey, at.lims, at.out);
  }
  out.set(new Float32Array(ex.memory.buffer, at.out, n), offset);
}

/**
 * Refuses a job the kernel cannot run (crop outside the image, wrong pixel count, 2 or 4 channels, size < 1)
 * with InvalidInputError `augment_job_invalid`, before it reaches a worker.
 *
 * @example
 * checkAugmentJob(job);
 */
export function checkAugmentJob(job: AugmentJob): void {
  const { box, width, height, channels } = job;
  const problems: string[] = [];
  if (channels !== 1 && channels !== 3) problems.push(`channels must be 1 or 3, got ${channels}`);
  if (job.pixels.length < width * height * channels)
    problems.push(`${job.pixels.length} bytes for a ${width}x${height}x${channels} image`);
  if (!(box.left >= 0 && box.top >= 0 && box.width >= 1 && box.height >= 1))
    problems.push(`crop ${JSON.stringify(box)} is empty or negative`);
  if (box.left + box.width > width || box.top + box.height > height)
    problems.push(`crop ${JSON.stringify(box)} outside the ${width}x${height} image`);
  if (!Number.isInteger(job.size) || job.size < 1)
    problems.push(`output size ${job.size} is not a positive integer`);
  if (job.mean.length < channels || job.std.length < channels)
    problems.push(`mean/std need ${channels} values`);
  if (problems.length > 0)
    throw new InvalidInputError("augment_job_invalid", `bad augment job: ${problems.join("; ")}`);
}

/**
 * {@link augmentInto} on this thread's kernel instance (after {@link checkAugmentJob}).
 *
 * @example
 * augmentInline(job, x, k * per);
 */
export function augmentInline(job: AugmentJob, out: Float32Array, offset: number): void {
  checkAugmentJob(job);
  augmentInto(mainThreadKernel(), job, out, offset);
}
