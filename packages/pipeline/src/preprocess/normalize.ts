/**
 * uint8 HWC → normalized float32 (ToTensor + Normalize, but channels-last). A per-channel 256-entry lookup
 * table makes this one pass with no division. (Train images go through `jitterNormalizeInto`, which fuses
 * ColorJitter into the same pass.)
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
  if (channels !== 3) {
    for (let i = 0; i < raw.length; i++) out[offset + i] = lut[(i % channels) * 256 + raw[i]!]!;
    return;
  }
  // The common RGB case unrolled: no modulo per element.
  for (let i = 0; i < raw.length; i += 3) {
    out[offset + i] = lut[raw[i]!]!;
    out[offset + i + 1] = lut[256 + raw[i + 1]!]!;
    out[offset + i + 2] = lut[512 + raw[i + 2]!]!;
  }
}
