/**
 * The frozen prefix on onnxruntime-node: the prefix exported once (`exportOnnxPrefix`, BatchNorm folded), one
 * session with intra-op threads = cores, batches run one at a time (concurrent runs would only fight for cores).
 * On an oversubscribed machine one thread can beat two (each op ends in a barrier that waits for a descheduled
 * thread), hence the `threads` knob.
 */
import { exportOnnxPrefix, type ResNet } from "@residual/resnet";
import ort from "onnxruntime-node";
import { onnxSessionOptions } from "../engine/onnx-engine.js";
import { TransientError } from "../errors.js";
import type { BodyStage } from "./prefix-cache.js";
import type { PrefixRunner } from "./prefix-runner.js";

export interface OnnxPrefixOptions {
  imageSize: number;
  channels: number;
  /** Average-pool the output to `[1, 1, C]` (the prefix ends at the last body stage). */
  pooled: boolean;
  /** Intra-op threads. @default the machine's cores */
  threads?: number;
}

/**
 * An ORT runner for `model`'s prefix up to `stage`, with the weights as they are now. Throws TransientError
 * `prefix_engine_unavailable` when the session cannot be created or does not run a probe image.
 *
 * @example
 * const runner = await createOnnxPrefixRunner(model, "layer4", { imageSize: 112, channels: 3, pooled: true });
 */
export async function createOnnxPrefixRunner(
  model: ResNet,
  stage: BodyStage,
  o: OnnxPrefixOptions,
): Promise<PrefixRunner> {
  let session: ort.InferenceSession | undefined;
  const dims = (n: number) => [n, o.imageSize, o.imageSize, o.channels];
  const run = async (pixels: Float32Array, n: number) => {
    if (!session) throw new TransientError("prefix_engine_unavailable", "prefix runner used after dispose");
    const out = await session.run({ input: new ort.Tensor("float32", pixels, dims(n)) });
    const act = out.activation;
    if (!act) throw new TransientError("prefix_engine_unavailable", "prefix ONNX graph has no `activation`");
    return { data: act.data as Float32Array, dims: act.dims };
  };
  let shape: [number, number, number];
  try {
    session = await ort.InferenceSession.create(
      exportOnnxPrefix(model, stage, { pool: o.pooled }),
      onnxSessionOptions(o.threads),
    );
    // One probe image checks the session end to end and gives the activation shape.
    const probe = await run(new Float32Array(o.imageSize * o.imageSize * o.channels), 1);
    shape = [probe.dims[1]!, probe.dims[2]!, probe.dims[3]!];
  } catch (err) {
    await session?.release().catch(() => {});
    throw new TransientError(
      "prefix_engine_unavailable",
      `cannot run the frozen prefix (${stage}) on onnxruntime: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return {
    engine: "onnx",
    pooled: o.pooled,
    shape,
    async run(pixels, n) {
      return (await run(pixels, n)).data;
    },
    async dispose() {
      const s = session;
      session = undefined;
      await s?.release();
    },
  };
}
