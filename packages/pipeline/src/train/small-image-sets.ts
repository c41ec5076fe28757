/**
 * Image sets of the `small_images` recipe: every image is decoded once with the eval transform (resized whole to
 * the training size) and kept as bytes; a train view is torchvision's `RandomCrop(size, padding=pad)` then
 * `RandomHorizontalFlip(hflip)` on those bytes (padding is black, i.e. pixel value 0 before Normalize), drawn from
 * a PRNG keyed by (seed, index, view) so view v of image i is the same pixels in every process.
 */
import { availableParallelism } from "node:os";
import { mapBounded } from "../dataset/map-bounded.js";
import type { Dataset, Sample } from "../dataset/types.js";
import { readRef } from "../dataset/validate.js";
import type { DatasetCache } from "../loader/dataset-cache.js";
import { preprocessEvalRaw } from "../preprocess/eval.js";
import { createRng } from "../preprocess/random.js";
import type { PreprocessSpec } from "../preprocess/spec.js";
import type { ObjectStore } from "../store/object-store.js";
import type { ImageSet, TrainingData } from "./image-sets.js";

export interface SmallImageSetOptions {
  preprocess: PreprocessSpec;
  augment: { pad: number; hflip: number };
  /** Augment train views. */
  enabled: boolean;
  seed: number;
  /** Decoded bytes kept in memory at most; above it images are decoded per batch. @default 2 GiB */
  budgetBytes?: number;
  /** Compiled dataset cache: decoded pixels instead of the original files, when it holds the sample. */
  cache?: DatasetCache;
}

/** Normalize tables: value of byte b in channel c at `lut[c * 256 + b]`. */
function normalizeTable(spec: PreprocessSpec): Float32Array {
  const lut = new Float32Array(spec.inChannels * 256);
  for (let c = 0; c < spec.inChannels; c++)
    for (let b = 0; b < 256; b++) lut[c * 256 + b] = (b / 255 - spec.mean[c]!) / spec.std[c]!;
  return lut;
}

class DecodedImages {
  private bytes: Uint8Array | undefined;
  private loading: Promise<Uint8Array | undefined> | undefined;
  readonly per: number;

  constructor(
    private readonly store: ObjectStore,
    private readonly samples: Sample[],
    private readonly spec: PreprocessSpec,
    private readonly budget: number,
    private readonly cache?: DatasetCache,
  ) {
    this.per = spec.size * spec.size * spec.inChannels;
  }

  private async decode(s: Sample): Promise<Uint8Array> {
    const cached = await this.cache?.read(s);
    const input = cached ?? (await readRef(this.store, s.ref));
    const header = cached ? { width: cached.width, height: cached.height } : s;
    return (await preprocessEvalRaw(input, this.spec, false, header)).data;
  }

  /** Every image's bytes (decoded on first use), or undefined when they exceed the budget. */
  private all(): Promise<Uint8Array | undefined> {
    if (this.samples.length * this.per > this.budget) return Promise.resolve(undefined);
    this.loading ??= (async () => {
      const out = new Uint8Array(this.samples.length * this.per);
      const parts = await mapBounded(this.samples, 2 * availableParallelism(), (s) => this.decode(s));
      parts.forEach((p, i) => {
        out.set(p, i * this.per);
      });
      this.bytes = out;
      return out;
    })();
    return this.loading;
  }

  /** The bytes of image `i` (a view into the held buffer, or freshly decoded). */
  async get(indices: readonly number[]): Promise<Uint8Array[]> {
    const held = this.bytes ?? (await this.all());
    if (held) return indices.map((i) => held.subarray(i * this.per, (i + 1) * this.per));
    return mapBounded([...indices], 2 * availableParallelism(), (i) => this.decode(this.samples[i]!));
  }
}

/** Writes image `src` (size², c channels) normalized at `out[offset]`, padded, cropped at (dy, dx) and flipped. */
function cropInto(
  src: Uint8Array,
  size: number,
  c: number,
  lut: Float32Array,
  crop: { pad: number; dy: number; dx: number; flip: boolean },
  out: Float32Array,
  offset: number,
): void {
  for (let y = 0; y < size; y++) {
    const sy = y + crop.dy - crop.pad;
    for (let x = 0; x < size; x++) {
      const sx = (crop.flip ? size - 1 - x : x) + crop.dx - crop.pad;
      const inside = sy >= 0 && sy < size && sx >= 0 && sx < size;
      const o = offset + (y * size + x) * c;
      const s = (sy * size + sx) * c;
      for (let k = 0; k < c; k++) out[o + k] = lut[k * 256 + (inside ? src[s + k]! : 0)]!;
    }
  }
}

function imageSet(
  decoded: DecodedImages,
  samples: Sample[],
  o: SmallImageSetOptions,
  augment: boolean,
): ImageSet {
  const spec = o.preprocess;
  const lut = normalizeTable(spec);
  const { size, inChannels: c } = spec;
  return {
    size: samples.length,
    labels: samples.map((s) => s.label),
    imageSize: size,
    channels: c,
    async load(indices, view) {
      const images = await decoded.get(indices);
      const out = new Float32Array(indices.length * decoded.per);
      indices.forEach((i, j) => {
        const pad = o.augment.pad;
        let crop = { pad: 0, dy: 0, dx: 0, flip: false };
        if (augment && view !== undefined) {
          // torchvision's draw order: the crop's top-left corner (top, then left), then the flip.
          const rng = createRng(o.seed, "view", i, view);
          const dy = rng.int(0, 2 * pad + 1);
          const dx = rng.int(0, 2 * pad + 1);
          crop = { pad, dy, dx, flip: rng.next() < o.augment.hflip };
        }
        cropInto(images[j]!, size, c, lut, crop, out, j * decoded.per);
      });
      return out;
    },
  };
}

/**
 * TrainingData for the `small_images` recipe over a validated Dataset.
 *
 * @example
 * const data = smallImageTrainingData(store, dataset, { preprocess, augment: { pad: 4, hflip: 0.5 },
 *   enabled: true, seed: 0 });
 */
export function smallImageTrainingData(
  store: ObjectStore,
  dataset: Dataset,
  o: SmallImageSetOptions,
): TrainingData {
  const budget = o.budgetBytes ?? 2 * 1024 ** 3;
  const train = new DecodedImages(store, dataset.train, o.preprocess, budget, o.cache);
  const val = new DecodedImages(store, dataset.val, o.preprocess, budget, o.cache);
  return {
    classNames: [...dataset.classes],
    train: imageSet(train, dataset.train, o, o.enabled),
    val: imageSet(val, dataset.val, o, false),
    augment: o.enabled,
  };
}
