/**
 * Frozen-prefix activation cache. While every stage up to `stage` is frozen (BatchNorms of frozen stages run in
 * eval mode, so the prefix is a fixed function), its output per image never changes: compute it once with
 * `forwardUntil` and replay it every epoch through `forwardFrom`.
 *
 * With augmentation, the cache holds a fixed number of views per image (`views`); epoch e uses view `e mod views`,
 * so each image is seen in `views` different crops cycled across epochs (at most views× the memory).
 *
 * Memory: entries are float32 when the whole cache fits `budgetBytes`, float16 when only half does (ReLU
 * activations lose ~3 decimal digits, far below SGD noise), and the cache is refused (the trainer recomputes)
 * when even that does not fit. Spilling to disk was not worth it: reading activations back is no faster than a
 * frozen forward pass on the small prefixes where it would apply.
 *
 * Who computes the prefix is a {@link PrefixRunner}: ONNX Runtime in the trainer (much faster than tfjs-wasm),
 * tfjs `forwardUntil` by default here. At the last body stage the runner hands over pooled `[1, 1, C]`
 * activations (see prefix-runner.ts), which `forwardFrom` treats exactly like the full map.
 */

import { packHalf, type ResNet, type StageName, unpackHalf } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import type { ImageSet } from "../image-sets.js";

import { createPrefixRunner, type PrefixRunner } from "./prefix-runner.js";

export type BodyStage = Exclude<StageName, "fc">;

export interface PrefixCacheOptions {
  /** Views per image (1 without augmentation). */
  views: number;
  /** Load augmented views (`examples.load(ix, view)`) rather than the eval transform. */
  augment: boolean;
  /** @default 1 GiB */
  budgetBytes?: number;
  /** Computes the prefix; the caller keeps ownership (one runner can serve several caches). @default tfjs */
  runner?: PrefixRunner;
}

export const DEFAULT_CACHE_BUDGET = 1024 ** 3;

/**
 * Cached prefix activations of one example set.
 * @example
 * const cache = await PrefixCache.create(model, "layer4", data.train, { views: 1, augment: false });
 */
export class PrefixCache {
  private readonly entries = new Map<number, Float32Array | Uint16Array>();

  private constructor(
    private readonly runner: PrefixRunner,
    readonly stage: BodyStage,
    private readonly examples: ImageSet,
    private readonly opts: PrefixCacheOptions,
    /** `[h, w, c]` of one activation. */
    readonly shape: [number, number, number],
    readonly precision: "float32" | "float16",
  ) {}

  /**
   * A cache for `examples` after `stage`, or undefined when it cannot fit the budget even in float16.
   *
   * @example
   * const cache = await PrefixCache.create(model, "layer4", data.train, { views: 1, augment: false });
   * const h = await cache!.batch([0, 1, 2], 0); // [3, h, w, c]; caller disposes
   */
  static async create(
    model: ResNet,
    stage: BodyStage,
    examples: ImageSet,
    opts: PrefixCacheOptions,
  ): Promise<PrefixCache | undefined> {
    const runner =
      opts.runner ??
      (await createPrefixRunner(model, stage, {
        imageSize: examples.imageSize,
        channels: examples.channels,
        engine: "tfjs",
      }));
    const [h, w, c] = runner.shape;
    const floats = h * w * c * examples.size * opts.views;
    const budget = opts.budgetBytes ?? DEFAULT_CACHE_BUDGET;
    if (floats * 2 > budget) return undefined;
    const precision = floats * 4 <= budget ? "float32" : "float16";
    return new PrefixCache(runner, stage, examples, opts, [h, w, c], precision);
  }

  /** Bytes held now. */
  bytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.byteLength;
    return n;
  }

  /** Activations for `indices` at `view` (taken mod `views`), computing the missing ones. Caller disposes. */
  async batch(indices: readonly number[], view = 0): Promise<tf.Tensor4D> {
    const [h, w, c] = this.shape;
    return tf.tensor4d(await this.floats(indices, view), [indices.length, h, w, c]);
  }

  /** {@link batch} as dense NHWC floats (no tensor: what the wasm training engine reads). */
  async floats(indices: readonly number[], view = 0): Promise<Float32Array> {
    const v = view % this.opts.views;
    const key = (i: number) => i * this.opts.views + v;
    const missing = indices.filter((i) => !this.entries.has(key(i)));
    if (missing.length > 0) await this.fill(missing, v, key);
    const [h, w, c] = this.shape;
    const per = h * w * c;
    const out = new Float32Array(indices.length * per);
    indices.forEach((i, j) => {
      const e = this.entries.get(key(i))!;
      if (e instanceof Float32Array) out.set(e, j * per);
      else unpackHalf(e, out, j * per);
    });
    return out;
  }

  private async fill(missing: number[], view: number, key: (i: number) => number): Promise<void> {
    const unique = [...new Set(missing)];
    const pixels = await this.examples.load(unique, this.opts.augment ? view : undefined);
    const data = await this.runner.run(pixels, unique.length);
    const per = data.length / unique.length;
    unique.forEach((i, j) => {
      const slice = data.slice(j * per, (j + 1) * per);
      this.entries.set(key(i), this.precision === "float32" ? slice : packHalf(slice));
    });
  }

  /** Which engine computed the entries. */
  get engine(): PrefixRunner["engine"] {
    return this.runner.engine;
  }

  /** Drop every entry (a later phase unfroze part of the prefix). */
  dispose(): void {
    this.entries.clear();
  }
}
