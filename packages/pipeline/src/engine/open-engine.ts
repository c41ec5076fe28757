/**
 * The one place that opens an inference engine, as the process's {@link EngineChoice} says: `onnx` from
 * `model.onnx`, or `tfjs` from `model.json`. A model with only tfjs artefacts (a backbone from
 * `residual weights fetch`) is exported to ONNX on first use and the export is cached next to it, so later cold
 * starts load `model.onnx` directly.
 */
import { NotFoundError } from "../errors.js";
import type { EngineChoice, InferenceEngine, ModelArtifacts } from "./inference-engine.js";
import { createOnnxEngine, openOnnxEngine } from "./onnx-engine.js";

/** Export `<prefix>model.json` to ONNX bytes and try to cache them as `<prefix>model.onnx`. */
async function exportAndCache(model: ModelArtifacts, choice: EngineChoice): Promise<Uint8Array> {
  // tfjs is imported lazily: the ONNX serving path never pays for loading it.
  const [{ exportOnnx }, { loadTfjsModel }] = await Promise.all([
    import("@residual/resnet"),
    import("./tfjs-engine.js"),
  ]);
  const resnet = await loadTfjsModel(model, choice.backend);
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(resnet);
  } finally {
    resnet.dispose();
  }
  try {
    await model.store.put(`${model.prefix}model.onnx`, bytes, {
      ifAbsent: true,
      contentType: "application/octet-stream",
    });
  } catch {
    // Another process cached it first, or the bucket is read-only to us (a Lambda role): serving still works.
  }
  return bytes;
}

/**
 * Open the model's engine.
 * @example
 * const engine = await openEngine(await resolveModel(store, "flowers"), { kind: "onnx", ortThread: "main" });
 */
export async function openEngine(model: ModelArtifacts, choice: EngineChoice): Promise<InferenceEngine> {
  if (choice.kind === "tfjs") {
    if (!model.hasTfjs)
      throw new NotFoundError("model_not_found", `no model.json under ${model.prefix} for the tfjs engine`);
    const { createTfjsEngine, loadTfjsModel } = await import("./tfjs-engine.js");
    return createTfjsEngine(await loadTfjsModel(model, choice.backend));
  }
  if (model.onnx) return openOnnxEngine(model, model.onnx, choice.ortThread);
  if (!model.hasTfjs)
    throw new NotFoundError("model_not_found", `no model.onnx or model.json under ${model.prefix}`);
  return createOnnxEngine(await exportAndCache(model, choice), { thread: choice.ortThread });
}
