import { packHalf, unpackHalf } from "@residual/resnet";
import { describe, expect, it } from "vitest";

describe("half-float packing", () => {
  it("round-trips exactly representable values and rounds others to 11 significant bits", () => {
    const values = new Float32Array([0, 1, -2.5, 65504, 2 ** -24, 0.1, 1 / 3, 1e6, -0]);
    const out = new Float32Array(values.length);
    unpackHalf(packHalf(values), out);
    expect(Array.from(out.subarray(0, 5))).toEqual([0, 1, -2.5, 65504, 2 ** -24]);
    expect(Math.abs(out[5]! - 0.1)).toBeLessThan(0.1 * 2 ** -11);
    expect(Math.abs(out[6]! - 1 / 3)).toBeLessThan((1 / 3) * 2 ** -11);
    expect(out[7]).toBe(Number.POSITIVE_INFINITY);
    expect(packHalf(new Float32Array([1.5]))[0]).toBe(0x3e00);
  });
});
