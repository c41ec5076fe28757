/**
 * The one allow-list of image formats, decided from the bytes (magic numbers), before libvips sees them.
 * libvips detects formats itself and would happily decode GIF, TIFF, SVG (librsvg: XML, external references),
 * PDF, … sent under any Content-Type; the API advertises JPEG, PNG and WebP only, so nothing else is decoded:
 * API bodies, base64 images, `s3://` inputs and dataset files all pass through {@link assertAllowedImage}.
 */
import { InvalidInputError } from "../errors.js";
import { ImageDecodeError, ImageFormatError } from "./errors.js";

/**
 * Formats we decode.
 * @example
 * ALLOWED_IMAGE_FORMATS.includes(sniffImageFormat(bytes)); // true for JPEG, PNG, WebP
 */
export const ALLOWED_IMAGE_FORMATS = ["jpeg", "png", "webp"] as const;
/**
 * A format we decode.
 * @example
 * const f: AllowedImageFormat = "webp";
 */
export type AllowedImageFormat = (typeof ALLOWED_IMAGE_FORMATS)[number];

/**
 * What the first bytes say; `unknown` when no known signature matches.
 * @example
 * const f: SniffedFormat = sniffImageFormat(bytes); // "gif" for "GIF89a…"
 */
export type SniffedFormat =
  | AllowedImageFormat
  | "gif"
  | "tiff"
  | "bmp"
  | "svg"
  | "avif"
  | "heif"
  | "pdf"
  | "jxl"
  | "jp2"
  | "ico"
  | "psd"
  | "unknown";

const MEDIA_TYPES: Record<AllowedImageFormat, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
};

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  return b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1", from, to);
}

/** ISO base media (`ftyp` box): AVIF or HEIF by major brand. */
function isoBrand(b: Uint8Array): SniffedFormat | undefined {
  if (b.length < 12 || ascii(b, 4, 8) !== "ftyp") return undefined;
  const brand = ascii(b, 8, 12);
  if (brand === "avif" || brand === "avis") return "avif";
  if (/^(heic|heix|heim|heis|hevc|hevx|mif1|msf1)$/.test(brand)) return "heif";
  if (brand === "jp2 ") return "jp2";
  return undefined;
}

/** Markup (SVG or any XML/HTML): text that starts with `<` after an optional BOM and whitespace. */
function isMarkup(b: Uint8Array): boolean {
  const head = ascii(b, 0, Math.min(b.length, 512))
    .replace(/^\xef\xbb\xbf/, "")
    .trimStart();
  return head.startsWith("<");
}

const SIGNATURES: ReadonlyArray<[SniffedFormat, readonly number[], number?]> = [
  ["jpeg", [0xff, 0xd8, 0xff]],
  ["png", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["gif", [0x47, 0x49, 0x46, 0x38]],
  ["tiff", [0x49, 0x49, 0x2a, 0x00]],
  ["tiff", [0x4d, 0x4d, 0x00, 0x2a]],
  ["tiff", [0x49, 0x49, 0x2b, 0x00]],
  ["bmp", [0x42, 0x4d]],
  ["pdf", [0x25, 0x50, 0x44, 0x46]],
  ["jxl", [0xff, 0x0a]],
  ["jxl", [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20]],
  ["jp2", [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]],
  ["ico", [0x00, 0x00, 0x01, 0x00]],
  ["psd", [0x38, 0x42, 0x50, 0x53]],
];

/**
 * The format the bytes declare by their signature.
 * @example
 * sniffImageFormat(await readFile("cat.jpg")); // "jpeg"
 * sniffImageFormat(Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>")); // "svg"
 */
export function sniffImageFormat(bytes: Uint8Array): SniffedFormat {
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && bytes.length >= 12 && ascii(bytes, 8, 12) === "WEBP")
    return "webp";
  for (const [format, sig] of SIGNATURES) if (startsWith(bytes, sig)) return format;
  return isoBrand(bytes) ?? (isMarkup(bytes) ? "svg" : "unknown");
}

/** The media type of an allowed format (`image/jpeg`, …). */
function mediaTypeOf(format: AllowedImageFormat): string {
  return MEDIA_TYPES[format];
}

function isAllowed(format: SniffedFormat): format is AllowedImageFormat {
  return (ALLOWED_IMAGE_FORMATS as readonly string[]).includes(format);
}

/**
 * Throws unless the bytes are JPEG, PNG or WebP: `image_empty` / `image_not_an_image` (400) for no image,
 * `unsupported_media_type` (415) for an image format we do not decode, and `media_type_mismatch` (400) when
 * `declared` (a Content-Type or data-URL type) names another allowed format than the bytes are. `where` prefixes
 * the message (`images[2]`).
 * @example
 * const format = assertAllowedImage(body, { declared: "image/png", where: "images[0]" }); // "png" or throws
 */
export function assertAllowedImage(
  bytes: Uint8Array,
  options: { declared?: string; where?: string } = {},
): AllowedImageFormat {
  const at = options.where ? `${options.where}: ` : "";
  if (bytes.length === 0) throw new ImageDecodeError("image_empty", `${at}image is empty (0 bytes)`);
  const format = sniffImageFormat(bytes);
  if (format === "unknown") {
    throw new ImageDecodeError("image_not_an_image", `${at}not an image (unrecognised format)`);
  }
  if (!isAllowed(format)) {
    throw new ImageFormatError(
      "unsupported_media_type",
      `${at}image format ${format.toUpperCase()} is not accepted; send ${ALLOWED_IMAGE_FORMATS.map((f) => f.toUpperCase()).join(", ")}`,
    );
  }
  const declared = options.declared?.split(";")[0]?.trim().toLowerCase();
  if (declared && declared !== mediaTypeOf(format) && !(declared === "image/jpg" && format === "jpeg")) {
    throw new InvalidInputError(
      "media_type_mismatch",
      `${at}declared ${declared} but the bytes are ${mediaTypeOf(format)}`,
    );
  }
  return format;
}

function tailHas(b: Uint8Array, sig: readonly number[], window: number): boolean {
  for (let i = b.length - sig.length; i >= Math.max(0, b.length - window); i--)
    if (startsWith(b, sig, i)) return true;
  return false;
}

/**
 * Whether an allowed image's bytes stop before their format says they end: a JPEG without its end-of-image
 * marker (`FF D9`) near the end, a PNG without its `IEND` chunk, a WebP shorter than its RIFF size. Decided from
 * the bytes alone, so a failed decode is classed the same way however many decodes fail at once (libvips keeps
 * one process-wide error buffer, and concurrent failures can read each other's messages).
 * @example
 * endsEarly(jpegBytes.subarray(0, 250)); // true
 */
export function endsEarly(bytes: Uint8Array): boolean {
  const format = sniffImageFormat(bytes);
  if (format === "jpeg") return !tailHas(bytes, [0xff, 0xd9], 64);
  if (format === "png") return !tailHas(bytes, [0x49, 0x45, 0x4e, 0x44], 64);
  if (format === "webp") {
    const riff = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(4);
    return bytes.length < riff + 8;
  }
  return false;
}
