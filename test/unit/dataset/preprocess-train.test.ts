/**
 * Train preprocessing and its pieces: torchvision's RandomResizedCrop parameter rules, determinism for a seed,
 * flip, channel handling (grey → RGB, alpha flattened on black/white), EXIF orientation, spec validation.
 */

import {
  createRng,
  ImageDecodeError,
  InvalidInputError,
  preprocessEval,
  preprocessTrain,
  resolvePreprocessSpec,
} from "@residual/pipeline";
import {
  cropResize,
  DEFAULT_TRAIN_AUGMENT,
  drawJitter,
  preprocessEvalRaw,
  randomResizedCropBox,
  TrainAugmentSchema,
} from "@residual/pipeline/testing";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { makePhotoLikeJpeg, makeShapeImage } from "../../support/images.js";
import { jitterNormalizeInto } from "../../support/jitter-oracle.js";

describe("randomResizedCropBox", () => {
  it("stays inside the image with area/aspect within the ranges", () => {
    const rng = createRng(5);
    for (let i = 0; i < 500; i++) {
      const b = randomResizedCropBox(500, 375, rng);
      expect(b.left >= 0 && b.top >= 0 && b.left + b.width <= 500 && b.top + b.height <= 375).toBe(true);
      const area = (b.width * b.height) / (500 * 375);
      expect(area).toBeGreaterThan(0.07);
      expect(b.width / b.height).toBeGreaterThan(0.72);
      expect(b.width / b.height).toBeLessThan(1.4);
    }
  });

  it("falls back to a central crop when 10 tries fail (extreme aspect)", () => {
    const b = randomResizedCropBox(1000, 10, createRng(1), [0.9, 1], [3 / 4, 4 / 3]);
    expect(b).toEqual({ top: 0, left: Math.floor((1000 - 13) / 2), width: 13, height: 10 });
  });
});

describe("preprocessTrain", () => {
  it("is deterministic for a seed and differs across seeds", async () => {
    const spec = resolvePreprocessSpec({ size: 48 });
    const jpg = await makePhotoLikeJpeg(200, 150, 1);
    const a = await preprocessTrain(jpg, spec, createRng(1, 0, 3));
    const b = await preprocessTrain(jpg, spec, createRng(1, 0, 3));
    const c = await preprocessTrain(jpg, spec, createRng(1, 1, 3));
    expect(a.length).toBe(48 * 48 * 3);
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });

  it("with no augmentation but a forced flip mirrors the full-image resize", async () => {
    const spec = resolvePreprocessSpec({ size: 16, resize: 16 });
    const img = await makeShapeImage({ width: 64, height: 64, shape: "triangle" });
    const none = TrainAugmentSchema.parse({
      scale: [1, 1],
      ratio: [1, 1],
      brightness: 0,
      contrast: 0,
      saturation: 0,
    });
    const plain = await preprocessTrain(img, spec, createRng(1), { ...none, hflip: 0 });
    const flipped = await preprocessTrain(img, spec, createRng(1), { ...none, hflip: 1 });
    const at = (px: Float32Array, x: number, y: number) => px[(y * 16 + x) * 3]!;
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++) expect(at(flipped, x, y)).toBeCloseTo(at(plain, 15 - x, y), 5);
  });
});

describe("preprocessTrain on the wasm kernel (bilinear)", () => {
  it("draws box, flip, jitter in that order and equals Pillow-exact crop+resize then the JS jitter", async () => {
    const spec = resolvePreprocessSpec({ size: 40 });
    const jpg = await makePhotoLikeJpeg(160, 120, 3);
    const { data, info } = await sharp(jpg).raw().toBuffer({ resolveWithObject: true });
    for (let seed = 0; seed < 12; seed++) {
      const got = await preprocessTrain(jpg, spec, createRng(seed));
      const rng = createRng(seed);
      const box = randomResizedCropBox(160, 120, rng);
      const flip = rng.next() < DEFAULT_TRAIN_AUGMENT.hflip;
      const draw = drawJitter(rng, DEFAULT_TRAIN_AUGMENT);
      const job = { pixels: data, width: info.width, height: info.height, channels: 3, box, size: 40, flip };
      const want = new Float32Array(40 * 40 * 3);
      jitterNormalizeInto(cropResize(job), 3, draw, spec.mean, spec.std, want, 0);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it("gives the same tensor from the file and from its decoded pixels (the compiled cache's input)", async () => {
    const spec = resolvePreprocessSpec({ size: 32 });
    const png = await makeShapeImage({ width: 90, height: 70, shape: "cross", format: "png" });
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const raw = { data, width: info.width, height: info.height, channels: info.channels };
    for (let seed = 0; seed < 6; seed++) {
      const a = await preprocessTrain(png, spec, createRng(seed, 1));
      const b = await preprocessTrain(raw, spec, createRng(seed, 1));
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });

  it("crops an EXIF-rotated file in its upright orientation (region decode = oriented pixels)", async () => {
    const spec = resolvePreprocessSpec({ size: 24 });
    const upright = await makeShapeImage({ width: 80, height: 50, shape: "triangle", format: "png" });
    const tagged = await sharp(upright)
      .rotate(-90)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const { data, info } = await sharp(tagged, { autoOrient: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([80, 50]);
    const raw = { data, width: info.width, height: info.height, channels: info.channels };
    for (let seed = 0; seed < 6; seed++) {
      const a = await preprocessTrain(tagged, spec, createRng(seed, 2));
      const b = await preprocessTrain(raw, spec, createRng(seed, 2));
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });

  it("keeps sharp for other interpolations (deterministic, different from bilinear)", async () => {
    const jpg = await makePhotoLikeJpeg(120, 90, 2);
    const cubic = resolvePreprocessSpec({ size: 24, interpolation: "bicubic" });
    const a = await preprocessTrain(jpg, cubic, createRng(4));
    const b = await preprocessTrain(jpg, cubic, createRng(4));
    const lin = await preprocessTrain(jpg, resolvePreprocessSpec({ size: 24 }), createRng(4));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(lin));
  });

  it("rejects an image smaller than its recorded size with ImageDecodeError", async () => {
    const jpg = await makePhotoLikeJpeg(60, 40, 1);
    const header = { width: 600, height: 400 };
    const big = TrainAugmentSchema.parse({ scale: [0.9, 1] });
    const err = await preprocessTrain(
      jpg,
      resolvePreprocessSpec({ size: 16 }),
      createRng(1),
      big,
      undefined,
      0,
      header,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).code).toBe("image_not_decodable");
  });
});

describe("channels and orientation", () => {
  it("replicates grey images to RGB and flattens alpha on the configured background", async () => {
    const grey = await makeShapeImage({ grey: true, format: "png" });
    const raw = await preprocessEvalRaw(grey, resolvePreprocessSpec({ size: 16 }));
    expect(raw.channels).toBe(3);
    expect(raw.data[0]).toBe(raw.data[1]);
    const clear = await sharp({
      create: { width: 32, height: 32, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const black = await preprocessEvalRaw(clear, resolvePreprocessSpec({ size: 16 }));
    const white = await preprocessEvalRaw(clear, resolvePreprocessSpec({ size: 16, background: "white" }));
    expect(black.data[0]).toBe(0);
    expect(white.data[0]).toBe(255);
    const one = await preprocessEval(clear, resolvePreprocessSpec({ size: 16, inChannels: 1 }));
    expect(one.length).toBe(16 * 16);
  });

  it("applies EXIF orientation before resizing and cropping", async () => {
    const upright = await makeShapeImage({ width: 80, height: 40, shape: "triangle", format: "png" });
    const tagged = await sharp(upright)
      .rotate(-90)
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const spec = resolvePreprocessSpec({ size: 16, resize: 16 });
    const ref = await preprocessEvalRaw(await sharp(upright).jpeg({ quality: 100 }).toBuffer(), spec);
    const got = await preprocessEvalRaw(tagged, spec);
    let diff = 0;
    for (let i = 0; i < ref.data.length; i++) diff += Math.abs(ref.data[i]! - got.data[i]!);
    expect(diff / ref.data.length).toBeLessThan(8);
  });

  it("rejects inconsistent specs listing every problem", () => {
    const err = (() => {
      try {
        resolvePreprocessSpec({ size: 224, resize: 100, mean: [0.5] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).message).toMatch(/mean has 1 values.*resize \(100\) must be >= size/);
  });
});
