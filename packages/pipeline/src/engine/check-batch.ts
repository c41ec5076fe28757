import { InvalidInputError } from "../errors.js";

/**
 * Reject a batch whose length is not `n·size·size·channels` before it reaches native code.
 * @example
 * checkBatch(new Float32Array(224 * 224 * 3), 1, 224, 3);
 */
export function checkBatch(batch: Float32Array, n: number, size: number, channels: number): void {
  if (!Number.isInteger(n) || n < 1 || batch.length !== n * size * size * channels) {
    throw new InvalidInputError(
      "invalid_batch",
      `batch has ${batch.length} values, expected ${n}×${size}×${size}×${channels}`,
    );
  }
}
