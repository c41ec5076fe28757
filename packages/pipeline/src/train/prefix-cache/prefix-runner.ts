/**
 * What computes the frozen prefix for the activation cache: `forwardUntil` on tfjs, or the same prefix exported to
 * ONNX and run by onnxruntime-node (about 5× faster than tfjs-wasm on CPU: BatchNorm folded, MLAS kernels).
 * The prefix is frozen, so its BatchNorms run in eval mode by the model's semantics and a BN-folded ONNX graph
 * is the same function up to float rounding (parity ≤ 1e-4 relative, see the tests).
 *
 * When the prefix ends at the last body stage, the runner returns the globally average-pooled activation
 * `[1, 1, C]` per image instead of `[h, w, C]`: the head starts with that same mean, so `forwardFrom` on the pooled
 * tensor gives the same logits (mean of a 1×1 map is itself) while the cache and every head step shrink h·w-fold.
 */

import type { ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { withFallback } from "./fallback-runner.js";
import { createOnnxPrefixRunner } from "./onnx-prefix-runner.js";

import type { BodyStage } from "./prefix-cache.js";

export type PrefixEngine = "auto" | "onnx" | "tfjs";

export interface PrefixRunner {
  readonly engine: "onnx" | "tfjs";
  /** Whether outputs are average-pooled to `[1, 1, C]` (prefix ends at the last body stage). */
  readonly pooled: boolean;
  /** `[h, w, c]` of one output. */
  readonly shape: [number, number, number];
  /** NHWC pixels of `n` images in, NHWC activations of the `n` images out (row-major, a fresh array). */
  run(pixels: Float32Array, n: number): Promise<Float32Array>;
  /** Release the session (the ORT runner); idempotent. */
  dispose(): Promise<void>;
}

export interface PrefixRunnerOptions {
  imageSize: number;
  channels: number;
  /**
   * `auto`: ONNX Runtime, falling back to tfjs (logged) when it cannot start; tfjs outright on the native
   * `tensorflow` backend (the GPU training image, where onnxruntime-node is CPU-only and slower). @default "auto"
   */
  engine?: PrefixEngine;
  /** Where the fallback is reported. @default console.warn */
  log?: (line: string) => void;
  /** ONNX Runtime intra-op threads; unset: the faster of the machine's cores and 1, measured per batch. */
  threads?: number;
}

/**
 * Whether `stage` is the model's last body stage (its output feeds the head's global average pool directly).
 *
 * @example
 * isLastBodyStage(resnet18, "layer4"); // true; cifar_resnet20: "layer3"
 */
export function isLastBodyStage(model: ResNet, stage: BodyStage): boolean {
  return stage === `layer${model.config.layers.length}`;
}

/** `forwardUntil` on the current tfjs backend (eval mode, pooled at the last stage). */
function tfjsRunner(model: ResNet, stage: BodyStage, o: PrefixRunnerOptions): PrefixRunner {
  const pooled = isLastBodyStage(model, stage);
  const forward = (x: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const h = model.forwardUntil(x, stage);
      return pooled ? (tf.mean(h, [1, 2], true) as tf.Tensor4D) : h;
    });
  const probe = tf.zeros([1, o.imageSize, o.imageSize, o.channels]) as tf.Tensor4D;
  const out = forward(probe);
  const [, h, w, c] = out.shape;
  tf.dispose([probe, out]);
  return {
    engine: "tfjs",
    pooled,
    shape: [h, w, c],
    async run(pixels, n) {
      const x = tf.tensor4d(pixels, [n, o.imageSize, o.imageSize, o.channels]);
      let act: tf.Tensor4D | undefined;
      try {
        act = forward(x);
        return (await act.data()) as Float32Array;
      } finally {
        tf.dispose([x, ...(act ? [act] : [])]);
      }
    },
    async dispose() {},
  };
}

/**
 * The runner for `model`'s prefix up to `stage`: ONNX Runtime by default, tfjs when asked or when ORT fails to
 * start or fails on a batch later (`auto`: the failure is logged, training goes on). The runner snapshots the weights when made (ORT), so make a new
 * one when prefix weights change.
 *
 * @example
 * const runner = await createPrefixRunner(model, "layer4", { imageSize: 112, channels: 3 });
 * const act = await runner.run(pixels, 32); // 32 × 1×1×512 pooled features
 * await runner.dispose();
 */
export async function createPrefixRunner(
  model: ResNet,
  stage: BodyStage,
  o: PrefixRunnerOptions,
): Promise<PrefixRunner> {
  const engine = o.engine ?? "auto";
  const native = tf.getBackend() === "tensorflow";
  const log = o.log ?? console.warn;
  if (engine === "onnx" || (engine === "auto" && !native)) {
    try {
      const onnx = await createOnnxPrefixRunner(model, stage, {
        ...o,
        pooled: isLastBodyStage(model, stage),
      });
      return engine === "onnx" ? onnx : withFallback(onnx, () => tfjsRunner(model, stage, o), log);
    } catch (err) {
      if (engine === "onnx") throw err;
      log(
        `prefix cache: onnxruntime unavailable (${(err as Error).message}); computing the frozen prefix with tfjs`,
      );
    }
  }
  return tfjsRunner(model, stage, o);
}
