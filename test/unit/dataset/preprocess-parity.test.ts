/**
 * Eval preprocessing vs torchvision `Resize(256) + CenterCrop(224) + ToTensor + Normalize` (PIL bilinear) on the
 * same generated files. libvips' and PIL's bilinear filters differ slightly (fixed-point vs float weights), so the
 * bar is a tolerance on normalized values (1 unit ≈ 0.226 in [0, 1] pixel units), not equality.
 * Measured (see the console lines): downscaled photos mean |Δ| ≈ 0.004–0.011, max |Δ| ≤ 0.07 (≈ 4/255);
 * upscaled images with hard synthetic edges (smaller than `resize`) mean ≈ 0.017, max ≈ 0.98 at edge pixels,
 * because the two libraries place bilinear upsampling taps differently. The serving fast path (JPEG
 * shrink-on-load at ≥ 8× reduction) measures mean ≈ 0.025, max ≈ 0.14 and gets its own, looser bound.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { preprocessEval, resolvePreprocessSpec } from "@residual/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePhotoLikeJpeg, makeShapeImage } from "../../support/images.js";

const PY = "/usr/bin/python3";
const SCRIPT = join(import.meta.dirname, "../../python/preprocess_reference.py");

let dir: string;
const files: Array<{ name: string; bytes: Buffer }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "residual-parity-"));
  files.push({ name: "photo-500x375.jpg", bytes: await makePhotoLikeJpeg(500, 375, 1, 95) });
  files.push({ name: "photo-333x500.jpg", bytes: await makePhotoLikeJpeg(333, 500, 2, 95) });
  files.push({ name: "photo-1200x900.jpg", bytes: await makePhotoLikeJpeg(1200, 900, 3, 95) });
  files.push({
    name: "shape-300x260.png",
    bytes: await makeShapeImage({ width: 300, height: 260, format: "png" }),
  });
  files.push({ name: "photo-2400x1800.jpg", bytes: await makePhotoLikeJpeg(2400, 1800, 4, 95) });
  files.push({
    name: "small-120x90.png",
    bytes: await makeShapeImage({ width: 120, height: 90, shape: "ring" }),
  });
  for (const f of files) await writeFile(join(dir, f.name), f.bytes);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function reference(size: number, resize: number): Promise<Float32Array> {
  const out = join(dir, `ref-${size}.f32`);
  execFileSync(PY, [
    SCRIPT,
    "eval",
    out,
    String(size),
    String(resize),
    ...files.map((f) => join(dir, f.name)),
  ]);
  const buf = await readFile(out);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

describe("preprocessEval parity with torchvision", () => {
  it.each([
    [224, 256, false],
    [64, 73, false],
    [64, 73, true],
  ])("size %i resize %i fast=%s stays within tolerance", async (size, resize, fast) => {
    const spec = resolvePreprocessSpec({ size, resize });
    const ref = await reference(size, resize);
    const per = size * size * 3;
    expect(ref.length).toBe(per * files.length);
    for (const [i, f] of files.entries()) {
      const ours = await preprocessEval(f.bytes, spec, { fast });
      expect(ours.length).toBe(per);
      let sum = 0;
      let max = 0;
      for (let k = 0; k < per; k++) {
        const d = Math.abs(ours[k]! - ref[i * per + k]!);
        sum += d;
        if (d > max) max = d;
      }
      const mean = sum / per;
      console.log(
        `${f.name} size=${size} fast=${fast}: mean |Δ| ${mean.toFixed(5)}, max |Δ| ${max.toFixed(4)}`,
      );
      const upscaled = f.name.startsWith("small");
      expect(mean, f.name).toBeLessThan(upscaled ? 0.02 : fast ? 0.035 : 0.012);
      expect(max, f.name).toBeLessThan(upscaled ? 1.0 : fast ? 0.2 : 0.08);
    }
  });
});
