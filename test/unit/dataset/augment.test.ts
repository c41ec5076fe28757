/**
 * The fused wasm augment equals the JS reference path: Pillow-exact crop+resize (itself checked against Pillow
 * in augment-wasm.test.ts) then `jitterNormalizeInto`, over many random draws (every op order, so contrast runs
 * before and after saturation), RGB and grey, single ops and none, up to 1e-6 (in practice the same bits).
 */

import { createRng } from "@residual/pipeline";
import {
  type AugmentJob,
  augmentInline,
  augmentInto,
  augmentModule,
  type ColorJitterOptions,
  cropResize,
  drawJitter,
  instantiateAugment,
  randomResizedCropBox,
} from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";
import { testRng } from "../../support/images.js";
import { jitterNormalizeInto } from "../../support/jitter-oracle.js";

const RGB = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const GREY = { mean: [0.449], std: [0.226] };

function pixels(width: number, height: number, channels: number, seed: number): Uint8Array {
  const r = testRng(seed);
  // Saturated values and mid-tones, so the clamps of every op bite.
  return Uint8Array.from({ length: width * height * channels }, (_, i) =>
    i % 7 === 0 ? 255 : (r() * 256) | 0,
  );
}

function job(seed: number, channels: 1 | 3, strength: ColorJitterOptions): AugmentJob {
  const rng = createRng("augment", seed);
  const [width, height] = [60 + (seed % 40), 50 + ((seed * 7) % 30)];
  const box = randomResizedCropBox(width, height, rng);
  const flip = rng.next() < 0.5;
  const draw = drawJitter(rng, strength);
  const norm = channels === 3 ? RGB : GREY;
  return {
    pixels: pixels(width, height, channels, seed),
    width,
    height,
    channels,
    box,
    size: 40,
    flip,
    draw,
    ...norm,
  };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function reference(j: AugmentJob): Float32Array {
  const out = new Float32Array(j.size * j.size * j.channels);
  jitterNormalizeInto(cropResize(j), j.channels, j.draw, j.mean, j.std, out, 0);
  return out;
}

describe("augmentInline (wasm) vs cropResize + jitterNormalizeInto (JS)", () => {
  const strengths: Array<[string, ColorJitterOptions]> = [
    ["all ops", { brightness: 0.8, contrast: 0.8, saturation: 0.8 }],
    ["contrast only", { brightness: 0, contrast: 0.9, saturation: 0 }],
    ["saturation only", { brightness: 0, contrast: 0, saturation: 0.9 }],
    ["none", { brightness: 0, contrast: 0, saturation: 0 }],
  ];
  for (const [name, strength] of strengths) {
    for (const channels of [3, 1] as const) {
      it(`${name}, ${channels} channel(s)`, () => {
        const orders = new Set<string>();
        let worst = 0;
        for (let seed = 0; seed < 60; seed++) {
          const j = job(seed, channels, strength);
          orders.add(Array.from(j.draw.order).join(""));
          const got = new Float32Array(j.size * j.size * channels + 1);
          got[got.length - 1] = 7; // nothing is written past the image
          augmentInline(j, got, 0);
          expect(got[got.length - 1]).toBe(7);
          worst = Math.max(worst, maxDiff(got.subarray(0, -1), reference(j)));
        }
        expect(worst).toBeLessThanOrEqual(1e-6);
        expect(orders.size).toBeGreaterThan(10);
      });
    }
  }

  it("covers contrast both before and after saturation", () => {
    const where = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      const o = Array.from(job(seed, 3, strengths[0]![1]).draw.order);
      where.add(o.indexOf(1) < o.indexOf(2) ? "before" : "after");
    }
    expect([...where].sort()).toEqual(["after", "before"]);
  });

  it("writes at the offset only", () => {
    const j = job(3, 3, strengths[0]![1]);
    const per = j.size * j.size * 3;
    const out = new Float32Array(3 * per).fill(9);
    augmentInline(j, out, per);
    expect(out[per - 1]).toBe(9);
    expect(out[2 * per]).toBe(9);
    expect(Array.from(out.subarray(per, 2 * per))).toEqual(Array.from(reference(j)));
  });

  it("keeps the kernel's memory size after warm-up over 1,000 augments", () => {
    const ex = instantiateAugment(augmentModule());
    const [width, height] = [341, 256];
    const src = pixels(width, height, 3, 5);
    const out = new Float32Array(224 * 224 * 3);
    const rng = createRng("augment-memory");
    const strength = strengths[0]![1];
    const full = { left: 0, top: 0, width, height };
    const base = { pixels: src, width, height, channels: 3, size: 224, ...RGB };
    augmentInto(ex, { ...base, box: full, flip: true, draw: drawJitter(rng, strength) }, out, 0);
    const warm = ex.memory.buffer.byteLength;
    for (let i = 0; i < 1000; i++) {
      const box = randomResizedCropBox(width, height, rng);
      augmentInto(ex, { ...base, box, flip: rng.next() < 0.5, draw: drawJitter(rng, strength) }, out, 0);
    }
    expect(ex.memory.buffer.byteLength).toBe(warm);
    expect(out.every(Number.isFinite)).toBe(true);
  });
});
