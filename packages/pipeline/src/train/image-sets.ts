/**
 * What the trainer reads images through: a numbered set of examples that loads preprocessed NHWC float32
 * batches. The dataset loader adapts to it; tests and benchmarks use `inMemoryImageSet`.
 */

/**
 * A numbered set of images that loads preprocessed NHWC float32 batches (the trainer's only view of data).
 * @example
 * const set: ImageSet = inMemoryImageSet(pixels, labels, 32, 3);
 * const batch = await set.load([0, 5, 7]);
 */
export interface ImageSet {
  readonly size: number;
  /** Class index per example. */
  readonly labels: ArrayLike<number>;
  /** Height = width of every image. */
  readonly imageSize: number;
  readonly channels: number;
  /**
   * A batch for `indices`, `[indices.length, imageSize, imageSize, channels]` row-major. `view` selects a
   * deterministic augmented view (same view number, same pixels); `undefined` means the eval transform.
   */
  load(indices: readonly number[], view?: number): Promise<Float32Array>;
}

/**
 * The trainer's input: class names and the train/val image sets.
 * @example
 * const data: TrainingData = { classNames: ["a", "b"], train, val, augment: false };
 */
export interface TrainingData {
  classNames: string[];
  train: ImageSet;
  val: ImageSet;
  /** Whether `train.load` augments (views differ); when false the trainer asks for the eval transform only. */
  augment: boolean;
}

/**
 * Examples held in memory as one NHWC float32 array (already preprocessed); `view` is ignored.
 *
 * @example
 * const ex = inMemoryImageSet(pixels, labels, 32, 3);
 * const batch = await ex.load([0, 5, 7]);
 */
export function inMemoryImageSet(
  pixels: Float32Array,
  labels: ArrayLike<number>,
  imageSize: number,
  channels: number,
): ImageSet {
  const per = imageSize * imageSize * channels;
  return {
    size: labels.length,
    labels,
    imageSize,
    channels,
    async load(indices) {
      const out = new Float32Array(indices.length * per);
      indices.forEach((i, j) => {
        out.set(pixels.subarray(i * per, (i + 1) * per), j * per);
      });
      return out;
    },
  };
}
