/**
 * Preprocess request images into one NHWC batch, the way every serving call does (eval transform, JPEG fast
 * path, decodes in parallel on libuv's pool). Strict: the first bad image fails the call, named by its index.
 * Tolerant (bulk runs): a bad image is reported by index and left out; the batch holds the rest, in order.
 */
import { ImageDecodeError, ImageTooLargeError } from "../preprocess/errors.js";
import { preprocessEval } from "../preprocess/eval.js";
import type { PreprocessSpec } from "../preprocess/spec.js";

/**
 * An image a tolerant batch left out: its index in the request, the decode error's code and message.
 * @example
 * const f: ImageFailure = { index: 2, code: "image_truncated", message: "image is truncated: …" };
 */
export interface ImageFailure {
  index: number;
  code: string;
  message: string;
}

/** A preprocessed batch: `data` holds `kept.length` images, `kept[j]` is the request index of row `j`. */
export interface PreprocessedBatch {
  data: Float32Array;
  kept: number[];
  failed: ImageFailure[];
}

function named(err: ImageDecodeError, i: number): ImageDecodeError {
  return new ImageDecodeError(err.code, `images[${i}]: ${err.message}`, {
    cause: err,
    issues: [{ path: ["images", i], code: err.code, message: err.message }],
  });
}

/**
 * @example
 * const { data, kept, failed } = await preprocessBatch(buffers, bundle.preprocess, { tolerant: true });
 */
export async function preprocessBatch(
  buffers: readonly Buffer[],
  spec: PreprocessSpec,
  { tolerant }: { tolerant: boolean },
): Promise<PreprocessedBatch> {
  const per = spec.size * spec.size * spec.inChannels;
  const out = new Float32Array(per * buffers.length);
  const failed: ImageFailure[] = [];
  await Promise.all(
    buffers.map(async (buf, i) => {
      try {
        await preprocessEval(buf, spec, { out, offset: i * per, fast: true });
      } catch (err) {
        const imageError = err instanceof ImageDecodeError || err instanceof ImageTooLargeError;
        if (tolerant && imageError) failed.push({ index: i, code: err.code, message: err.message });
        else if (err instanceof ImageDecodeError) throw named(err, i);
        else throw err;
      }
    }),
  );
  if (failed.length === 0) return { data: out, kept: buffers.map((_, i) => i), failed };
  failed.sort((a, b) => a.index - b.index);
  const bad = new Set(failed.map((f) => f.index));
  const kept = buffers.map((_, i) => i).filter((i) => !bad.has(i));
  // Compact the good rows to the front, in request order.
  kept.forEach((from, to) => {
    if (from !== to) out.copyWithin(to * per, from * per, (from + 1) * per);
  });
  return { data: out.subarray(0, kept.length * per), kept, failed };
}
