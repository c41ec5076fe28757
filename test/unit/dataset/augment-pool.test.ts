/**
 * The worker-thread augment gives the same bits as the inline kernel (draws stay on the caller), writes only its
 * own slice of a shared batch, reads the caller's pixels without detaching them, falls back to inline work on
 * plain arrays, after close() and when a worker dies, and close() rejects jobs still in flight.
 */

import { createRng } from "@residual/pipeline";
import {
  type AugmentJob,
  AugmentPool,
  allocBatch,
  augmentInline,
  drawJitter,
  randomResizedCropBox,
} from "@residual/pipeline/testing";
import { afterAll, describe, expect, it } from "vitest";

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const STRENGTH = { brightness: 0.8, contrast: 0.8, saturation: 0.8 };
const SIZE = 32;
const PER = SIZE * SIZE * 3;
// One shared source, as the compiled cache hands out views of one shard.
// A Buffer, whose slice() is a view: the pool must copy, never detach it.
const SHARD = Buffer.from(
  Uint8Array.from({ length: 80 * 60 * 3 * 2 }, (_, i) => (i % 11 === 0 ? 255 : (i * 37) & 255)),
);

function job(seed: number): AugmentJob {
  const rng = createRng("pool", seed);
  const pixels = SHARD.subarray(80 * 60 * 3 * (seed % 2), 80 * 60 * 3 * ((seed % 2) + 1));
  const box = randomResizedCropBox(80, 60, rng);
  const flip = rng.next() < 0.5;
  const draw = drawJitter(rng, STRENGTH);
  return { pixels, width: 80, height: 60, channels: 3, box, size: SIZE, flip, draw, mean: MEAN, std: STD };
}

function inline(jobs: AugmentJob[]): Float32Array {
  const want = new Float32Array(jobs.length * PER);
  for (const [k, j] of jobs.entries()) augmentInline(j, want, k * PER);
  return want;
}

const pool = new AugmentPool(2);
afterAll(() => pool.close());

describe("AugmentPool", () => {
  it("equals augmentInline bit for bit, each image in its own slice, source untouched", async () => {
    const n = 24;
    const x = allocBatch(n * PER + 1);
    x[n * PER] = 7; // a sentinel after the last slice must survive
    const jobs = Array.from({ length: n }, (_, k) => job(k));
    const before = SHARD.slice();
    await Promise.all(jobs.map((j, k) => pool.run(j, x, k * PER)));
    expect(Array.from(x.subarray(0, n * PER))).toEqual(Array.from(inline(jobs)));
    expect(x[n * PER]).toBe(7);
    expect(SHARD.byteLength).toBe(before.byteLength);
    expect(SHARD.equals(before)).toBe(true);
  });

  it("computes inline into non-shared arrays, and after close()", async () => {
    const want = inline([job(99)]);
    const plain = new Float32Array(PER);
    await pool.run(job(99), plain, 0);
    expect(Array.from(plain)).toEqual(Array.from(want));
    const other = new AugmentPool(1);
    await other.close();
    const shared = allocBatch(PER);
    await other.run(job(99), shared, 0);
    expect(Array.from(shared)).toEqual(Array.from(want));
  });

  it("finishes a dead worker's jobs inline, same bits", async () => {
    const crashing = new AugmentPool(1);
    const n = 6;
    const x = allocBatch(n * PER);
    const jobs = Array.from({ length: n }, (_, k) => job(k + 40));
    const runs = jobs.map((j, k) => crashing.run(j, x, k * PER));
    // The worker goes away with jobs queued on it (as on an out-of-memory kill).
    await (
      crashing as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> }
    ).slots[0]!.worker.terminate();
    await Promise.all(runs);
    expect(Array.from(x)).toEqual(Array.from(inline(jobs)));
    await crashing.close();
  });

  it("close() rejects jobs still in flight with augment_pool_closed", async () => {
    const closing = new AugmentPool(1);
    const x = allocBatch(8 * PER);
    const runs = Array.from({ length: 8 }, (_, k) => closing.run(job(k), x, k * PER));
    const settled = Promise.allSettled(runs);
    await closing.close();
    const results = await settled;
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected.length).toBeGreaterThan(0);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: "augment_pool_closed" });
  });

  it("refuses a bad job with augment_job_invalid and keeps serving the others", async () => {
    const x = allocBatch(2 * PER);
    const bad = { ...job(1), box: { left: 70, top: 0, width: 20, height: 10 } };
    await expect(pool.run(bad, x, 0)).rejects.toMatchObject({ code: "augment_job_invalid" });
    await expect(pool.run({ ...job(1), channels: 4 }, x, 0)).rejects.toThrow(/channels must be 1 or 3/);
    await pool.run(job(2), x, PER);
    expect(Array.from(x.subarray(PER))).toEqual(Array.from(inline([job(2)])));
  });
});
