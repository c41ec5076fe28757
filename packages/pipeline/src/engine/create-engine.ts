/**
 * The one place that chooses an inference engine: `onnx` unless `RESIDUAL_ENGINE=tfjs`. A model with only
 * tfjs artefacts (a backbone from `residual weights fetch`) is exported to ONNX on first use and the export is
 * cached next to it, so later cold starts load `model.onnx` directly.
 */
import { InvalidInputError, NotFoundError } from "../errors.js";
import {
  type ArtifactsLocation,
  ENGINE_KINDS,
  type EngineKind,
  type InferenceEngine,
} from "./inference-engine.js";
import { createOnnxEngine, onnxLoader } from "./onnx-engine.js";

/**
 * The configured engine kind.
 * @example
 * engineKindFromEnv({ RESIDUAL_ENGINE: "tfjs" }) // "tfjs"
 */
export function engineKindFromEnv(env: NodeJS.ProcessEnv = process.env): EngineKind {
  const raw = env.RESIDUAL_ENGINE?.trim() || "onnx";
  if (!(ENGINE_KINDS as readonly string[]).includes(raw)) {
    throw new InvalidInputError(
      "invalid_config",
      `RESIDUAL_ENGINE must be one of ${ENGINE_KINDS.join(", ")}, got "${raw}"`,
    );
  }
  return raw as EngineKind;
}

/** Export `<prefix>model.json` to ONNX bytes and try to cache them as `<prefix>model.onnx`. */
async function exportAndCache(location: ArtifactsLocation): Promise<Uint8Array> {
  // tfjs is imported lazily: the ONNX serving path never pays for loading it.
  const { exportOnnx, initBackend, loadResNet } = await import("@residual/resnet");
  const { objectStoreIOHandler } = await import("../store/io-handler.js");
  await initBackend({ logger: () => undefined });
  const model = await loadResNet(objectStoreIOHandler(location.store, location.prefix));
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(model);
  } finally {
    model.dispose();
  }
  try {
    await location.store.put(`${location.prefix}model.onnx`, bytes, {
      ifAbsent: true,
      contentType: "application/octet-stream",
    });
  } catch {
    // Another process cached it first, or the bucket is read-only to us (a Lambda role): serving still works.
  }
  return bytes;
}

/**
 * Load the model under `location` into an engine of `kind`.
 * @example
 * const engine = await loadEngine({ store, prefix: "models/flowers/v1/" }); // onnx by default
 */
export async function loadEngine(
  location: ArtifactsLocation,
  kind: EngineKind = engineKindFromEnv(),
): Promise<InferenceEngine> {
  const [onnx, tfjs] = await Promise.all([
    location.store.head(`${location.prefix}model.onnx`),
    location.store.head(`${location.prefix}model.json`),
  ]);
  if (kind === "tfjs") {
    if (!tfjs)
      throw new NotFoundError(
        "model_not_found",
        `no model.json under ${location.prefix} for the tfjs engine`,
      );
    return (await import("./tfjs-engine.js")).tfjsLoader.load(location);
  }
  if (onnx) return onnxLoader.load(location);
  if (!tfjs)
    throw new NotFoundError("model_not_found", `no model.onnx or model.json under ${location.prefix}`);
  return createOnnxEngine(await exportAndCache(location));
}
