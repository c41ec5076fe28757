/**
 * Errors raised while decoding one image. They extend the pipeline's hierarchy so the API maps them (400, 413)
 * in one place, while the dataset validator turns the same `code` into a skip reason instead of failing a job.
 */
import { InvalidInputError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../errors.js";

/** Why an image could not be used; stable strings that `report.json` and API clients match on. */
export type ImageErrorCode =
  | "image_empty"
  | "image_not_an_image"
  | "image_truncated"
  | "image_not_decodable"
  | "image_too_many_pixels"
  | "image_too_small"
  | "unsupported_media_type";

/**
 * The bytes are not a decodable image (empty, not an image, truncated, corrupt, too small to train on): a bad
 * request (400) by its type. A Content-Type the API does not take is UnsupportedMediaTypeError (415) instead.
 *
 * @example
 * try { await preprocessEval(bytes, spec); } catch (e) { if (e instanceof ImageDecodeError) console.log(e.code); }
 */
export class ImageDecodeError extends InvalidInputError {
  override readonly name: string = "ImageDecodeError";
}

/**
 * The image header declares more pixels than `limitInputPixels` (decompression-bomb guard).
 *
 * @example
 * if (err instanceof ImageTooLargeError) reply.status(413);
 */
export class ImageTooLargeError extends PayloadTooLargeError {
  override readonly name: string = "ImageTooLargeError";
}

/**
 * The bytes are an image in a format we do not decode (GIF, TIFF, SVG, BMP, AVIF, …): 415
 * `unsupported_media_type`, decided from the magic bytes before libvips sees them (`image-format.ts`).
 *
 * @example
 * if (err instanceof ImageFormatError) console.log(err.code); // "unsupported_media_type"
 */
export class ImageFormatError extends UnsupportedMediaTypeError {
  override readonly name: string = "ImageFormatError";
}

/** Any image error: each carries an {@link ImageErrorCode} as `code`. */
export type ImageError = ImageDecodeError | ImageTooLargeError | ImageFormatError;

/** How libvips' loaders word a file that stops early. */
const TRUNCATED_MESSAGE = /premature end|truncat|read error|unexpected end|not enough data|out of data/i;

/**
 * Maps a libvips/sharp failure to a specific, stable error. Sharp reports everything as plain `Error` with a
 * message. `endsEarly` (from the bytes: `endsEarly()` in image-format.ts) settles truncation without the
 * message, since libvips' one process-wide error buffer lets concurrent failures lose or swap their messages.
 *
 * @example
 * catch (e) { throw toImageError(e, { endsEarly: endsEarly(bytes) }); }
 */
export function toImageError(err: unknown, bytesSay: { endsEarly?: boolean } = {}): ImageError {
  if (err instanceof ImageDecodeError || err instanceof ImageTooLargeError || err instanceof ImageFormatError)
    return err;
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split("\n")[0] ?? msg;
  if (/exceeds pixel limit/i.test(msg)) {
    return new ImageTooLargeError("image_too_many_pixels", `image has too many pixels: ${first}`, {
      cause: err,
    });
  }
  if (bytesSay.endsEarly) {
    return new ImageDecodeError("image_truncated", `image is truncated: ${truncatedDetail(first)}`, {
      cause: err,
    });
  }
  if (/buffer is empty|empty input/i.test(msg)) {
    return new ImageDecodeError("image_empty", "image is empty (0 bytes)", { cause: err });
  }
  if (/unsupported image format/i.test(msg)) {
    return new ImageDecodeError("image_not_an_image", "not an image (unrecognised format)", { cause: err });
  }
  if (TRUNCATED_MESSAGE.test(msg)) {
    return new ImageDecodeError("image_truncated", `image is truncated: ${first}`, { cause: err });
  }
  return new ImageDecodeError("image_not_decodable", `image cannot be decoded: ${first}`, { cause: err });
}

/** libvips' message when it has one worth showing, else what the bytes say. */
function truncatedDetail(first: string): string {
  return TRUNCATED_MESSAGE.test(first) ? first : "the file ends before its end-of-image marker";
}
