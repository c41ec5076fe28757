/**
 * The frozen prefix on onnxruntime-node: the prefix exported once (`exportOnnxPrefix`, BatchNorm folded), batches
 * run one at a time (concurrent runs would only fight for cores). By default one session per thread count in
 * {cores, 1}, the faster picked batch by batch ({@link ThreadCountBandit}: cores wins on an idle machine, one thread
 * on an oversubscribed one); a fixed `threads` makes a single session.
 */
import { availableParallelism } from "node:os";
import { exportOnnxPrefix, type ResNet } from "@residual/resnet";
import ort from "onnxruntime-node";
import { onnxSessionOptions } from "../../engine/ort/session-options.js";
import { TransientError } from "../../errors.js";
import type { BodyStage } from "./prefix-cache.js";
import type { PrefixRunner } from "./prefix-runner.js";
import { ThreadCountBandit } from "./thread-count-bandit.js";

export interface OnnxPrefixOptions {
  imageSize: number;
  channels: number;
  /** Average-pool the output to `[1, 1, C]` (the prefix ends at the last body stage). */
  pooled: boolean;
  /** Intra-op threads; unset: choose between the machine's cores and 1 by measured speed. */
  threads?: number;
}

type Output = { data: Float32Array; dims: readonly number[] };

/** Sessions over the same bytes, one per thread count, created when first chosen. */
class SessionPool {
  private readonly sessions = new Map<number, ort.InferenceSession>();
  private released = false;

  constructor(private readonly bytes: Uint8Array) {}

  async get(threads: number): Promise<ort.InferenceSession> {
    if (this.released)
      throw new TransientError("prefix_engine_unavailable", "prefix runner used after dispose");
    let s = this.sessions.get(threads);
    if (!s) {
      s = await ort.InferenceSession.create(this.bytes, onnxSessionOptions(threads));
      this.sessions.set(threads, s);
    }
    return s;
  }

  async release(): Promise<void> {
    this.released = true;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.release()));
  }
}

async function runSession(s: ort.InferenceSession, pixels: Float32Array, dims: number[]): Promise<Output> {
  const out = await s.run({ input: new ort.Tensor("float32", pixels, dims) });
  const act = out.activation;
  if (!act) throw new TransientError("prefix_engine_unavailable", "prefix ONNX graph has no `activation`");
  return { data: act.data as Float32Array, dims: act.dims };
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
  const dims = (n: number) => [n, o.imageSize, o.imageSize, o.channels];
  const chooser = new ThreadCountBandit(o.threads ? [o.threads] : [...new Set([availableParallelism(), 1])]);
  let pool: SessionPool | undefined;
  let shape: [number, number, number];
  try {
    pool = new SessionPool(exportOnnxPrefix(model, stage, { pool: o.pooled }));
    // One probe image checks the session end to end and gives the activation shape.
    const probe = await runSession(
      await pool.get(chooser.options[0]!),
      new Float32Array(dims(1).reduce((a, b) => a * b)),
      dims(1),
    );
    shape = [probe.dims[1]!, probe.dims[2]!, probe.dims[3]!];
  } catch (err) {
    await pool?.release().catch(() => {});
    throw new TransientError(
      "prefix_engine_unavailable",
      `cannot run the frozen prefix (${stage}) on onnxruntime: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const sessions = pool;
  return {
    engine: "onnx",
    pooled: o.pooled,
    shape,
    async run(pixels, n) {
      const i = chooser.next();
      const session = await sessions.get(chooser.options[i]!);
      const t0 = performance.now();
      const out = await runSession(session, pixels, dims(n));
      chooser.record(i, performance.now() - t0, n);
      return out.data;
    },
    async dispose() {
      await sessions.release();
    },
  };
}
