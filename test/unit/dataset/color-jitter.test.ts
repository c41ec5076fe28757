/**
 * The fused ColorJitter + Normalize against the op-by-op definition (torchvision's tensor ColorJitter: each op a
 * blend with a clamp, contrast against the grey mean of the image as it is at that point), for every op order,
 * RGB and grey, with and without each op.
 */

import { createRng } from "@residual/pipeline";
import { drawJitter, type JitterDraw } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";
import { jitterNormalizeInto } from "../../support/jitter-oracle.js";

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function grey(px: Float64Array, i: number, channels: number): number {
  return channels === 3 ? 0.2989 * px[i]! + 0.587 * px[i + 1]! + 0.114 * px[i + 2]! : px[i]!;
}

/** The straightforward definition: one full pass per op, in the drawn order. */
function reference(raw: Uint8Array, channels: number, d: JitterDraw): Float64Array {
  const px = Float64Array.from(raw, (v) => v / 255);
  for (const op of d.order) {
    if (op === 0) for (let i = 0; i < px.length; i++) px[i] = clamp01(px[i]! * d.brightness);
    if (op === 1) {
      let sum = 0;
      for (let i = 0; i < px.length; i += channels) sum += grey(px, i, channels);
      const bias = (1 - d.contrast) * (sum / (px.length / channels));
      for (let i = 0; i < px.length; i++) px[i] = clamp01(px[i]! * d.contrast + bias);
    }
    if (op === 2 && channels === 3) {
      for (let i = 0; i < px.length; i += 3) {
        const g = (1 - d.saturation) * grey(px, i, 3);
        for (let c = 0; c < 3; c++) px[i + c] = clamp01(px[i + c]! * d.saturation + g);
      }
    }
  }
  for (let i = 0; i < px.length; i++) px[i] = (px[i]! - MEAN[i % channels]!) / STD[i % channels]!;
  return px;
}

function image(n: number, channels: number, seed: number): Uint8Array {
  const rng = createRng("img", seed);
  // Saturated corners and mid-tones, so clamps in every op actually bite.
  return Uint8Array.from({ length: n * channels }, (_, i) =>
    i % 7 === 0 ? 255 : Math.floor(rng.next() * 256),
  );
}

function maxDiff(a: Float32Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("jitterNormalizeInto", () => {
  it("equals the op-by-op definition for 200 drawn jitters (RGB), all 24 orders covered", () => {
    const orders = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const raw = image(40 * 30, 3, seed);
      const draw = drawJitter(createRng(seed), { brightness: 0.8, contrast: 0.8, saturation: 0.8 });
      orders.add(draw.order.join(""));
      const out = new Float32Array(raw.length + 5);
      jitterNormalizeInto(raw, 3, draw, MEAN, STD, out, 5);
      expect(maxDiff(out.subarray(5), reference(raw, 3, draw)), `seed ${seed}`).toBeLessThan(1e-5);
    }
    expect(orders.size).toBe(24);
  });

  it("handles disabled ops and grey images", () => {
    const cases = [
      { brightness: 0.5, contrast: 0, saturation: 0 },
      { brightness: 0, contrast: 0.5, saturation: 0 },
      { brightness: 0, contrast: 0, saturation: 0.5 },
      { brightness: 0, contrast: 0, saturation: 0 },
    ];
    for (const [k, opts] of cases.entries()) {
      for (const channels of [1, 3]) {
        const raw = image(17 * 13, channels, k);
        const draw = drawJitter(createRng(k, channels), opts);
        const out = new Float32Array(raw.length);
        jitterNormalizeInto(raw, channels, draw, MEAN.slice(0, channels), STD.slice(0, channels), out, 0);
        expect(maxDiff(out, reference(raw, channels, draw)), `${k}/${channels}`).toBeLessThan(1e-5);
      }
    }
  });

  it("draws like torchvision: order permutation first, factors within [1 - v, 1 + v]", () => {
    const d = drawJitter(createRng(3), { brightness: 0.4, contrast: 0.2, saturation: 0 });
    expect([...d.order].sort()).toEqual([0, 1, 2, 3]);
    expect(d.brightness).toBeGreaterThanOrEqual(0.6);
    expect(d.brightness).toBeLessThanOrEqual(1.4);
    expect(d.contrast).toBeGreaterThanOrEqual(0.8);
    expect(d.contrast).toBeLessThanOrEqual(1.2);
    expect(d.saturation).toBe(1);
  });
});
