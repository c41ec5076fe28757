/**
 * The format allow-list: decided from the magic bytes, before libvips (which would decode GIF, TIFF, SVG, … by
 * itself under any declared type).
 */
import {
  assertAllowedImage,
  endsEarly,
  ImageDecodeError,
  ImageFormatError,
  preprocessEval,
  resolvePreprocessSpec,
  sniffImageFormat,
} from "@residual/pipeline";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";

const SVG = Buffer.from(
  `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="red"/></svg>`,
);
/** 2×2 24-bit BMP, written by hand (sharp does not write BMP). */
function bmp(): Buffer {
  const b = Buffer.alloc(70);
  b.write("BM", 0, "latin1");
  b.writeUInt32LE(70, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(2, 18);
  b.writeInt32LE(2, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return b;
}
/** An ISO-BMFF `ftyp` box with `brand` (HEIF/AVIF containers). */
function ftyp(brand: string): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(24, 0);
  b.write(`ftyp${brand}`, 4, "latin1");
  return b;
}

const bytes: Record<string, Buffer> = {};

beforeAll(async () => {
  const base = sharp({ create: { width: 32, height: 32, channels: 3, background: "#36c" } });
  bytes.jpeg = await base.clone().jpeg().toBuffer();
  bytes.png = await base.clone().png().toBuffer();
  bytes.webp = await base.clone().webp().toBuffer();
  bytes.gif = await base.clone().gif().toBuffer();
  bytes.tiff = await base.clone().tiff().toBuffer();
  bytes.avif = await base.clone().avif().toBuffer();
});

describe("sniffImageFormat / assertAllowedImage", () => {
  it("accepts JPEG, PNG and WebP by their bytes", () => {
    for (const f of ["jpeg", "png", "webp"] as const) {
      expect(sniffImageFormat(bytes[f]!)).toBe(f);
      expect(assertAllowedImage(bytes[f]!, { declared: `image/${f}` })).toBe(f);
    }
    expect(assertAllowedImage(bytes.jpeg!, { declared: "image/jpeg; charset=binary" })).toBe("jpeg");
  });

  it("rejects GIF, TIFF, SVG, BMP, AVIF and HEIF with 415 unsupported_media_type, declared type or not", async () => {
    const rejected: Array<[string, Buffer]> = [
      ["gif", bytes.gif!],
      ["tiff", bytes.tiff!],
      ["svg", SVG],
      ["svg", Buffer.concat([Buffer.from("\ufeff  \n"), SVG])],
      ["bmp", bmp()],
      ["avif", bytes.avif!],
      ["heif", ftyp("heic")],
      ["heif", ftyp("mif1")],
    ];
    // libvips itself would decode these (that is what the allow-list is for).
    for (const b of [bytes.gif!, bytes.tiff!, SVG]) expect((await sharp(b).metadata()).width).toBe(32);
    for (const [format, b] of rejected) {
      expect(sniffImageFormat(b)).toBe(format);
      for (const declared of [undefined, "image/png"]) {
        let err: unknown;
        try {
          assertAllowedImage(b, { where: "images[3]", ...(declared ? { declared } : {}) });
        } catch (e) {
          err = e;
        }
        expect(err, format).toBeInstanceOf(ImageFormatError);
        const e = err as ImageFormatError;
        expect([e.code, e.status]).toEqual(["unsupported_media_type", 415]);
        expect(e.message).toBe(
          `images[3]: image format ${format.toUpperCase()} is not accepted; send JPEG, PNG, WEBP`,
        );
      }
    }
  });

  it("rejects a mismatch with the declared type (400 media_type_mismatch) and non-images (400)", () => {
    expect(() => assertAllowedImage(bytes.jpeg!, { declared: "image/png" })).toThrow(
      expect.objectContaining({
        code: "media_type_mismatch",
        status: 400,
        message: "declared image/png but the bytes are image/jpeg",
      }),
    );
    expect(() => assertAllowedImage(bytes.webp!, { declared: "image/jpeg" })).toThrow(
      expect.objectContaining({ code: "media_type_mismatch" }),
    );
    expect(() => assertAllowedImage(Buffer.from("hello"))).toThrow(ImageDecodeError);
    expect(() => assertAllowedImage(Buffer.from("hello"))).toThrow(
      expect.objectContaining({ code: "image_not_an_image", status: 400 }),
    );
    expect(() => assertAllowedImage(Buffer.alloc(0))).toThrow(
      expect.objectContaining({ code: "image_empty" }),
    );
  });

  it("guards the decoder itself: preprocessing an SVG or GIF never reaches libvips", async () => {
    const spec = resolvePreprocessSpec({ size: 16 });
    await expect(preprocessEval(SVG, spec)).rejects.toMatchObject({ code: "unsupported_media_type" });
    await expect(preprocessEval(bytes.gif!, spec)).rejects.toMatchObject({ code: "unsupported_media_type" });
    expect((await preprocessEval(bytes.png!, spec)).length).toBe(16 * 16 * 3);
  });
});

describe("truncated images, by their bytes", () => {
  it("endsEarly: a JPEG without FF D9, a PNG without IEND, a WebP shorter than its RIFF size", () => {
    for (const f of ["jpeg", "png", "webp"] as const) {
      expect(endsEarly(bytes[f]!)).toBe(false);
      expect(endsEarly(bytes[f]!.subarray(0, bytes[f]!.length - 20))).toBe(true);
    }
    expect(endsEarly(Buffer.from("hello"))).toBe(false);
  });

  it("classes every one of many concurrent truncated decodes as image_truncated (libvips' shared error buffer)", async () => {
    const spec = resolvePreprocessSpec({ size: 16 });
    const noisy = Buffer.alloc(64 * 64 * 3);
    for (let i = 0; i < noisy.length; i++) noisy[i] = (i * 7919) % 251;
    const full = await sharp(noisy, { raw: { width: 64, height: 64, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    const cuts = Array.from({ length: 24 }, (_, i) => full.subarray(0, 250 + i * ((full.length - 300) / 24)));
    const codes = await Promise.all(
      cuts.map((b) =>
        preprocessEval(b, spec).then(
          () => "decoded",
          (e: { code?: string }) => e.code,
        ),
      ),
    );
    expect(codes).toEqual(cuts.map(() => "image_truncated"));
  });
});
