import * as tf from "@tensorflow/tfjs-core";
import { ResNetError } from "../errors.js";
import type { ResNet } from "../types.js";
import { directoryOf, fileSystemHandler } from "./file-system-handler.js";
import { MODEL_FORMAT, type ResNetTopology, resnetTopologySchema } from "./model-format.js";
import { ResNetModel } from "./resnet-model.js";

function parseTopology(topology: unknown): ResNetTopology {
  const format = (topology as { format?: unknown } | null)?.format;
  if (format !== MODEL_FORMAT) {
    throw new ResNetError(
      "invalid_model_file",
      `not a ${MODEL_FORMAT} model: modelTopology.format is ${JSON.stringify(format ?? null)}`,
    );
  }
  const parsed = resnetTopologySchema.safeParse(topology);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ResNetError("invalid_model_file", `invalid ${MODEL_FORMAT} topology: ${issues}`);
  }
  return parsed.data;
}

function decode(data: tf.io.WeightData, specs: tf.io.WeightsManifestEntry[]): tf.NamedTensorMap {
  const bytes = tf.io.concatenateArrayBuffers(data).byteLength;
  const needed = specs.reduce(
    (n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (s.dtype === "float32" ? 4 : 0),
    0,
  );
  // decodeWeights reads past a short buffer with a RangeError (or garbage); say what is wrong instead.
  if (specs.some((s) => s.dtype !== "float32") || bytes !== needed) {
    throw new ResNetError(
      "invalid_model_file",
      `weights do not match their manifest: ${bytes} bytes for ${needed} bytes of float32 specs`,
    );
  }
  return tf.io.decodeWeights(data, specs);
}

/**
 * Load a model saved by `ResNet.save`, through any `tf.io` handler or from a local directory path.
 *
 * @example
 * ```ts
 * const model = await loadResNet("/tmp/resnet18");
 * const logits = model.predict(x);
 * ```
 */
export async function loadResNet(source: tf.io.IOHandler | string): Promise<ResNet> {
  const handler = typeof source === "string" ? fileSystemHandler(directoryOf(source)) : source;
  if (!handler.load)
    throw new ResNetError("invalid_options", "the IOHandler given to loadResNet() has no load method");
  const artifacts = await handler.load();
  const { config, frozen } = parseTopology(artifacts.modelTopology);
  if (!artifacts.weightSpecs || !artifacts.weightData) {
    throw new ResNetError("invalid_model_file", "saved model has no weights");
  }
  const weights = decode(artifacts.weightData, artifacts.weightSpecs);
  const model = new ResNetModel(config, { init: "zeros" });
  try {
    model.loadWeights(weights);
    model.freeze(frozen);
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    tf.dispose(weights);
  }
}
