/**
 * Creating and running one ONNX Runtime session, written once for both places a session lives: the calling
 * thread (`ort-inline.ts`) and a worker thread (`ort-worker-main.ts`). Plain functions of the `ort` module they
 * are given, throwing plain errors; each side maps them to its own.
 */
import type { InferenceSession } from "onnxruntime-node";
import type { EngineOutput } from "../inference-engine.js";

/**
 * The onnxruntime-node module.
 * @example
 * const ort: Ort = (await import("onnxruntime-node")).default;
 */
export type Ort = typeof import("onnxruntime-node");

/**
 * A created session and what its graph says: channels of the NHWC `input`, and the output names.
 * @example
 * const { session, channels } = await createSession(ort, bytes, onnxSessionOptions());
 */
export interface CreatedSession {
  session: InferenceSession;
  channels: number;
  outputs: readonly string[];
}

/** The output names `exportOnnx` writes, checked the same way on both threads. */
const MISSING_OUTPUTS = "ONNX model must have outputs `features` and `logits`";

/**
 * Create a session from model bytes (ONNX or ORT format). No weight ever points into the bytes (nothing here
 * sets `use_ort_model_bytes_for_initializers`), so neither side keeps them once the session exists.
 * @example
 * const created = await createSession(ort, await readFile("model.onnx"), onnxSessionOptions(2));
 */
export async function createSession(
  ort: Ort,
  bytes: Uint8Array,
  options: InferenceSession.SessionOptions,
): Promise<CreatedSession> {
  const session = await ort.InferenceSession.create(bytes, options);
  const meta = session.inputMetadata?.[0];
  const shape = meta?.isTensor ? meta.shape : undefined;
  return {
    session,
    channels: typeof shape?.[3] === "number" ? shape[3] : 3,
    outputs: session.outputNames,
  };
}

/**
 * Run one NHWC float32 batch of `n` images of `size`²; the caller owns the returned arrays.
 * @example
 * const out = await runSession(ort, created, batch, 1, 224);
 */
export async function runSession(
  ort: Ort,
  created: CreatedSession,
  batch: Float32Array,
  n: number,
  size: number,
): Promise<EngineOutput> {
  const input = new ort.Tensor("float32", batch, [n, size, size, created.channels]);
  const out = await created.session.run({ input });
  const f = out.features;
  const l = out.logits;
  if (!f || !l) throw new Error(MISSING_OUTPUTS);
  return {
    features: f.data as Float32Array,
    logits: l.data as Float32Array,
    featureDim: Number(f.dims[1] ?? 0),
    numClasses: Number(l.dims[1] ?? 0),
  };
}
