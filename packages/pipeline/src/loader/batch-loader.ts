/**
 * The training/eval loader: reads samples from the compiled cache when given (decoded pixels, a few large
 * objects), otherwise from the ObjectStore (or the archive work dir), with bounded concurrency; decodes them on libvips' thread pool, augments them in
 * the wasm kernel on worker threads (train), and yields NHWC float32 batches in a deterministic order
 * with up to `prefetch` batches prepared ahead. The trainer turns `{x, y, n}` into tensors (and owns them).
 */
import { availableParallelism } from "node:os";
import type { Sample } from "../dataset/types.js";
import { readRef } from "../dataset/validate.js";
import { AugmentPool, allocBatch } from "../preprocess/augment/augment-pool.js";
import type { ImageInput, ImageSize } from "../preprocess/decode.js";
import { preprocessEval } from "../preprocess/eval.js";
import { createRng, permutation } from "../preprocess/random.js";
import type { PreprocessSpec } from "../preprocess/spec.js";
import { DEFAULT_TRAIN_AUGMENT, preprocessTrain, type TrainAugment } from "../preprocess/train.js";
import type { ObjectStore } from "../store/object-store.js";
import type { DatasetCache } from "./dataset-cache.js";
import { Limiter } from "./limiter.js";

/**
 * One batch: `x` is `[n, size, size, channels]` flattened, `y` the class indices.
 * @example
 * for await (const { x, y, n } of iterateBatches(options)) train(x, y, n);
 */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

/**
 * What {@link iterateBatches} reads, how it preprocesses, and how much it prepares ahead.
 * @example
 * const options: LoaderOptions = { store, samples: dataset.train, spec, batchSize: 32, mode: "train", epoch: 0 };
 */
export interface LoaderOptions {
  store: ObjectStore;
  samples: readonly Sample[];
  spec: PreprocessSpec;
  batchSize: number;
  /** `train`: shuffle + RandomResizedCrop/flip/jitter; `eval`: resize + center crop, in order. */
  mode: "train" | "eval";
  seed?: number;
  epoch?: number;
  augment?: TrainAugment;
  /** Images read/decoded at once (default 2 × cores, at least 4). */
  concurrency?: number;
  /** Batches prepared ahead of the consumer (default 2). */
  prefetch?: number;
  /** Drop a last partial batch (training usually does). */
  dropLast?: boolean;
  /** Compiled cache ({@link ensureDatasetCache}): decoded pixels instead of files; misses fall back to files. */
  cache?: DatasetCache;
  /**
   * Worker threads for the train augment (crop+resize+flip+jitter; 0 keeps it on the calling thread). Default:
   * one per core; the calling thread only reads, draws and posts (measured ~0.1 ms per image), so cores - 1
   * left a core idle on the cached path (2 cores: 1,400 vs 2,300 images/s).
   */
  augmentWorkers?: number;
  /** @deprecated the old name of {@link augmentWorkers}. */
  jitterWorkers?: number;
}

/** The sample's pixels from the cache, else its bytes (with the size validation recorded, when known). */
async function readInput(
  opts: LoaderOptions,
  sample: Sample,
): Promise<{ input: ImageInput; header?: ImageSize }> {
  const raw = await opts.cache?.read(sample);
  if (raw) return { input: raw, header: raw };
  const input = await readRef(opts.store, sample.ref);
  // Validation recorded the oriented size, so the header is not parsed a second time.
  return sample.width > 0 && sample.height > 0 ? { input, header: sample } : { input };
}

function makeBatch(
  opts: LoaderOptions,
  order: Int32Array,
  start: number,
  limiter: Limiter,
  pool: AugmentPool | undefined,
): Promise<Batch> {
  const { spec, samples } = opts;
  const n = Math.min(opts.batchSize, order.length - start);
  const per = spec.size * spec.size * spec.inChannels;
  const x = pool ? allocBatch(n * per) : new Float32Array(n * per);
  const y = new Int32Array(n);
  const jobs = Array.from({ length: n }, (_, k) => {
    const index = order[start + k]!;
    const sample = samples[index]!;
    y[k] = sample.label;
    return limiter.run(async () => {
      const { input, header } = await readInput(opts, sample);
      if (opts.mode === "eval") await preprocessEval(input, spec, { out: x, offset: k * per, header });
      else {
        const rng = createRng(opts.seed ?? 0, opts.epoch ?? 0, index);
        const augment = opts.augment ?? DEFAULT_TRAIN_AUGMENT;
        await preprocessTrain(input, spec, rng, augment, x, k * per, header, pool);
      }
    });
  });
  return Promise.all(jobs).then(() => ({ x, y, n }));
}

/**
 * Iterates one epoch of batches. Deterministic for `(seed, epoch)`: the order and every sample's augmentation
 * derive from them, not from completion order.
 *
 * @example
 * for await (const { x, y, n } of iterateBatches({ store, samples: ds.train, spec, batchSize: 32, mode: "train", epoch })) {
 *   const xs = tf.tensor4d(x, [n, spec.size, spec.size, 3]);
 * }
 */
export async function* iterateBatches(opts: LoaderOptions): AsyncGenerator<Batch> {
  const total = opts.samples.length;
  const order =
    opts.mode === "train"
      ? permutation(total, createRng(opts.seed ?? 0, "order", opts.epoch ?? 0))
      : Int32Array.from({ length: total }, (_, i) => i);
  const usable = opts.dropLast ? total - (total % opts.batchSize) : total;
  const limiter = new Limiter(opts.concurrency ?? Math.max(4, 2 * availableParallelism()));
  const ahead = Math.max(0, opts.prefetch ?? 2);
  const pending: Array<Promise<Batch>> = [];
  const workers = opts.augmentWorkers ?? opts.jitterWorkers ?? availableParallelism();
  const pool = opts.mode === "train" && workers > 0 ? new AugmentPool(workers) : undefined;
  let next = 0;
  const fill = (): void => {
    while (pending.length <= ahead && next < usable) {
      const p = makeBatch(opts, order.subarray(0, usable), next, limiter, pool);
      p.catch(() => undefined); // surfaced when awaited below; avoids unhandled rejections of prefetched batches
      pending.push(p);
      next += opts.batchSize;
    }
  };
  try {
    fill();
    while (pending.length > 0) {
      const batch = await pending.shift()!;
      fill();
      yield batch;
    }
  } finally {
    // Prefetched batches still in flight finish inline once the workers are gone.
    await pool?.close();
  }
}
