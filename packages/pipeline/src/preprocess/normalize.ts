/**
 * uint8 HWC → normalized float32 (ToTensor + Normalize, but channels-last). A per-channel 256-entry lookup
 * table makes this one pass with no division.
 */

/**
 * Writes `(raw / 255 - mean[c]) / std[c]` into `out` starting at `offset`.
 *
 * @example
 * normalizeInto(raw.data, 3, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225], out, 0);
 */
export function normalizeInto(
  raw: Uint8Array,
  channels: number,
  mean: readonly number[],
  std: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  const lut = new Float32Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean[c]!) / std[c]!;
  }
  for (let i = 0; i < raw.length; i++) out[offset + i] = lut[(i % channels) * 256 + raw[i]!]!;
}

/**
 * Normalizes float pixels in [0, 1] in place (used after colour jitter, which works in [0, 1]).
 *
 * @example
 * normalizeFloatInPlace(px, 3, mean, std);
 */
export function normalizeFloatInPlace(
  px: Float32Array,
  channels: number,
  mean: readonly number[],
  std: readonly number[],
): void {
  for (let i = 0; i < px.length; i++) {
    const c = i % channels;
    px[i] = (px[i]! - mean[c]!) / std[c]!;
  }
}
