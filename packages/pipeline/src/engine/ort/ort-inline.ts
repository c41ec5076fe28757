/**
 * An ONNX Runtime session on the calling thread (see `ort-runner.ts` for when that is the right place). The
 * native library is imported on first use, so processes that keep sessions on workers never load it here.
 */
import type { InferenceSession } from "onnxruntime-node";
import { InvalidInputError, StoredModelError, TransientError } from "../../errors.js";
import type { EngineOutput } from "../inference-engine.js";
import type { OrtRunner } from "./ort-runner.js";
import { type CreatedSession, createSession, type Ort, runSession } from "./session-core.js";

let ortModule: Promise<Ort> | undefined;
function loadOrt(): Promise<Ort> {
  ortModule ??= import("onnxruntime-node").then((m) => (m.default ?? m) as Ort);
  return ortModule;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A session on this thread.
 * @example
 * const s = await OrtInline.open(modelBytes, onnxSessionOptions());
 * const out = await s.run(batch, 1, 224); await s.release();
 */
export class OrtInline implements OrtRunner {
  readonly channels: number;
  readonly outputs: readonly string[];

  private constructor(
    private readonly ort: Ort,
    private created: CreatedSession | undefined,
  ) {
    this.channels = created?.channels ?? 3;
    this.outputs = created?.outputs ?? [];
  }

  /** Create the session from `bytes` on this thread. */
  static async open(bytes: Uint8Array, options: InferenceSession.SessionOptions): Promise<OrtInline> {
    const ort = await loadOrt();
    try {
      return new OrtInline(ort, await createSession(ort, bytes, options));
    } catch (err) {
      throw new StoredModelError("invalid_model_file", `cannot load ONNX model: ${message(err)}`);
    }
  }

  async run(batch: Float32Array, n: number, size: number): Promise<EngineOutput> {
    const created = this.created;
    if (!created) throw new TransientError("engine_released", "the model was unloaded");
    try {
      return await runSession(this.ort, created, batch, n, size);
    } catch (err) {
      throw new InvalidInputError("invalid_model_file", `ONNX run failed: ${message(err)}`);
    }
  }

  async release(): Promise<void> {
    const created = this.created;
    this.created = undefined;
    await created?.session.release();
  }
}
