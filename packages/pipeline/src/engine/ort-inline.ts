/**
 * An ONNX Runtime session on the calling thread (see `ort-runner.ts` for when that is the right place). The
 * native library is imported on first use, so processes that keep sessions on workers never load it here.
 */
import type { InferenceSession } from "onnxruntime-node";
import { InvalidInputError, TransientError } from "../errors.js";
import type { EngineOutput } from "./inference-engine.js";
import { MISSING_OUTPUTS, type OrtRunner } from "./ort-runner.js";

type Ort = typeof import("onnxruntime-node");

let ortModule: Promise<Ort> | undefined;
function loadOrt(): Promise<Ort> {
  ortModule ??= import("onnxruntime-node").then((m) => (m.default ?? m) as Ort);
  return ortModule;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * @example
 * const s = await OrtInline.open(modelBytes, onnxSessionOptions());
 * const out = await s.run(batch, 1, 224); await s.release();
 */
export class OrtInline implements OrtRunner {
  readonly channels: number;
  readonly outputs: readonly string[];

  private constructor(
    private readonly ort: Ort,
    private session: InferenceSession | undefined,
    /** Held only while ORT's initializers point into them (see `ort-worker.ts`). */
    private bytes: Uint8Array | undefined,
  ) {
    const shape = session?.inputMetadata?.[0]?.isTensor ? session.inputMetadata[0].shape : undefined;
    this.channels = typeof shape?.[3] === "number" ? shape[3] : 3;
    this.outputs = session?.outputNames ?? [];
  }

  /** Create the session from `bytes` on this thread. */
  static async open(bytes: Uint8Array, options: InferenceSession.SessionOptions): Promise<OrtInline> {
    const ort = await loadOrt();
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, options);
    } catch (err) {
      throw new InvalidInputError("invalid_model_file", `cannot load ONNX model: ${message(err)}`);
    }
    const extra = options.extra?.session as Record<string, unknown> | undefined;
    const pinned = extra?.use_ort_model_bytes_for_initializers === "1";
    return new OrtInline(ort, session, pinned ? bytes : undefined);
  }

  async run(batch: Float32Array, n: number, size: number): Promise<EngineOutput> {
    const session = this.session;
    if (!session) throw new TransientError("engine_released", "the model was unloaded");
    let out: InferenceSession.ReturnType;
    try {
      out = await session.run({
        input: new this.ort.Tensor("float32", batch, [n, size, size, this.channels]),
      });
    } catch (err) {
      throw new InvalidInputError("invalid_model_file", `ONNX run failed: ${message(err)}`);
    }
    const f = out.features;
    const l = out.logits;
    if (!f || !l) throw new InvalidInputError("invalid_model_file", `ONNX run failed: ${MISSING_OUTPUTS}`);
    return {
      features: f.data as Float32Array,
      logits: l.data as Float32Array,
      featureDim: Number(f.dims[1] ?? 0),
      numClasses: Number(l.dims[1] ?? 0),
    };
  }

  async release(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    // Dropped with the session: only then may ORT's initializers stop pointing into them.
    if (this.bytes) this.bytes = undefined;
    await session?.release();
  }
}
