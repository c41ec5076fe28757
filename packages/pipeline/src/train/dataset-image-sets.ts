/**
 * Adapts a validated Dataset (samples that reference bytes in the store or a work dir) to the trainer's
 * ImageSet: train batches use the train transform with a PRNG keyed by (seed, index, view), so view v of
 * image i is the same pixels in every process; val batches use the eval transform. Bytes are read per batch
 * (never all held at once).
 */
import type { Dataset, Sample } from "../dataset/types.js";
import { readRef } from "../dataset/validate.js";
import type { DatasetCache } from "../loader/dataset-cache.js";
import type { ImageInput, ImageSize } from "../preprocess/decode.js";
import { preprocessEval } from "../preprocess/eval.js";
import { createRng } from "../preprocess/random.js";
import type { PreprocessSpec } from "../preprocess/spec.js";
import { preprocessTrain, type TrainAugment } from "../preprocess/train.js";
import type { ObjectStore } from "../store/object-store.js";
import type { ImageSet, TrainingData } from "./image-sets.js";

export interface DatasetImageSetOptions {
  preprocess: PreprocessSpec;
  /** Apply train augmentation to train views. @default true */
  augment?: boolean;
  /** RandomResizedCrop / flip / ColorJitter strengths. @default the torchvision ImageNet recipe */
  trainAugment?: TrainAugment;
  seed: number;
  /** Compiled dataset cache: decoded pixels instead of the original files, when it holds the sample. */
  cache?: DatasetCache;
}

/** The sample's pixels from the compiled cache, else its bytes, with the size validation recorded. */
async function input(store: ObjectStore, s: Sample, cache?: DatasetCache): Promise<[ImageInput, ImageSize]> {
  const raw = await cache?.read(s);
  if (raw) return [raw, { width: raw.width, height: raw.height }];
  return [await readRef(store, s.ref), { width: s.width, height: s.height }];
}

function examples(
  store: ObjectStore,
  samples: Sample[],
  opts: DatasetImageSetOptions,
  augment: boolean,
): ImageSet {
  const { preprocess: spec, seed } = opts;
  const per = spec.size * spec.size * spec.inChannels;
  return {
    size: samples.length,
    labels: samples.map((s) => s.label),
    imageSize: spec.size,
    channels: spec.inChannels,
    async load(indices, view) {
      const out = new Float32Array(indices.length * per);
      await Promise.all(
        indices.map(async (i, j) => {
          const [img, header] = await input(store, samples[i]!, opts.cache);
          if (augment && view !== undefined) {
            await preprocessTrain(
              img,
              spec,
              createRng(seed, "view", i, view),
              opts.trainAugment,
              out,
              j * per,
              header,
            );
          } else {
            await preprocessEval(img, spec, { out, offset: j * per, header });
          }
        }),
      );
      return out;
    },
  };
}

/**
 * TrainingData over a Dataset.
 *
 * @example
 * const data = datasetTrainingData(store, dataset, { preprocess: resolvePreprocessSpec({ size: 160 }), seed: 0 });
 */
export function datasetTrainingData(
  store: ObjectStore,
  dataset: Dataset,
  opts: DatasetImageSetOptions,
): TrainingData {
  const augment = opts.augment ?? true;
  return {
    classNames: [...dataset.classes],
    train: examples(store, dataset.train, opts, augment),
    val: examples(store, dataset.val, opts, false),
    augment,
  };
}
