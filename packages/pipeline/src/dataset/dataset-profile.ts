/**
 * What a dataset looks like to the recipe chooser: how big its images are and whether they are grey. Computed
 * from what validation recorded (no image is read again).
 */
import type { Dataset } from "./types.js";

export interface DatasetProfile {
  /** Median shorter side of the training images, in pixels. */
  medianSide: number;
  /** Whether (at least 95% of) the training images are single-band grey. */
  grey: boolean;
  images: number;
}

/**
 * The profile of `dataset`'s training split.
 *
 * @example
 * datasetProfile(dataset); // { medianSide: 28, grey: true, images: 4000 }
 */
export function datasetProfile(dataset: Pick<Dataset, "train">): DatasetProfile {
  const sides = dataset.train.map((s) => Math.min(s.width, s.height)).sort((a, b) => a - b);
  const greyCount = dataset.train.filter((s) => (s.channels ?? 3) <= 2).length;
  const n = sides.length;
  return {
    medianSide: n === 0 ? 0 : sides[Math.floor(n / 2)]!,
    grey: n > 0 && greyCount >= 0.95 * n,
    images: n,
  };
}
