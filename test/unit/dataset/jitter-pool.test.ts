/**
 * The worker-thread jitter gives the same bits as the inline kernel (draws stay on the caller), writes only its
 * own slice of a shared batch, and falls back to inline work on plain arrays and after close().
 */
import { afterAll, describe, expect, it } from "vitest";
import { drawJitter, jitterNormalizeInto } from "../../../packages/pipeline/src/preprocess/color-jitter.js";
import { allocBatch, JitterPool } from "../../../packages/pipeline/src/preprocess/jitter-pool.js";
import { createRng } from "../../../packages/pipeline/src/preprocess/random.js";

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const STRENGTH = { brightness: 0.8, contrast: 0.8, saturation: 0.8 };
const PER = 32 * 32 * 3;

function image(seed: number): Uint8Array {
  const rng = createRng("pool-img", seed);
  return Uint8Array.from({ length: PER }, (_, i) => (i % 11 === 0 ? 255 : Math.floor(rng.next() * 256)));
}

const pool = new JitterPool(2);
afterAll(() => pool.close());

describe("JitterPool", () => {
  it("equals jitterNormalizeInto bit for bit, each image in its own slice", async () => {
    const n = 24;
    const x = allocBatch(n * PER + 1);
    x[n * PER] = 7; // a sentinel after the last slice must survive
    const raws = Array.from({ length: n }, (_, k) => image(k));
    const draws = raws.map((_, k) => drawJitter(createRng("pool-draw", k), STRENGTH));
    await Promise.all(raws.map((raw, k) => pool.run(raw, 3, draws[k]!, MEAN, STD, x, k * PER)));
    const want = new Float32Array(n * PER);
    for (const [k, raw] of raws.entries()) jitterNormalizeInto(raw, 3, draws[k]!, MEAN, STD, want, k * PER);
    expect(Array.from(x.subarray(0, n * PER))).toEqual(Array.from(want));
    expect(x[n * PER]).toBe(7);
  });

  it("computes inline into non-shared arrays, and after close()", async () => {
    const draw = drawJitter(createRng("pool-inline"), STRENGTH);
    const want = new Float32Array(PER);
    jitterNormalizeInto(image(99), 3, draw, MEAN, STD, want, 0);
    const plain = new Float32Array(PER);
    await pool.run(image(99), 3, draw, MEAN, STD, plain, 0);
    expect(Array.from(plain)).toEqual(Array.from(want));
    const other = new JitterPool(1);
    await other.close();
    const shared = allocBatch(PER);
    await other.run(image(99), 3, draw, MEAN, STD, shared, 0);
    expect(Array.from(shared)).toEqual(Array.from(want));
  });

  it("finishes a dead worker's jobs inline, same bits", async () => {
    const crashing = new JitterPool(1);
    const n = 6;
    const x = allocBatch(n * PER);
    const draws = Array.from({ length: n }, (_, k) => drawJitter(createRng("pool-crash", k), STRENGTH));
    const jobs = draws.map((d, k) => crashing.run(image(k), 3, d, MEAN, STD, x, k * PER));
    // The worker goes away with jobs queued on it (as on an out-of-memory kill).
    await (
      crashing as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> }
    ).slots[0]!.worker.terminate();
    await Promise.all(jobs);
    const want = new Float32Array(n * PER);
    for (const [k, d] of draws.entries()) jitterNormalizeInto(image(k), 3, d, MEAN, STD, want, k * PER);
    expect(Array.from(x)).toEqual(Array.from(want));
    await crashing.close();
  });
});
