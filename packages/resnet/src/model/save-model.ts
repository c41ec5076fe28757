import * as tf from "@tensorflow/tfjs-core";
import { ResNetError } from "../errors.js";
import type { ResNet } from "../types.js";
import { directoryOf, fileSystemHandler } from "./file-system-handler.js";
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ResNetTopology } from "./model-format.js";

/**
 * The `tf.io.ModelArtifacts` of a model: topology `{ format: "residual-resnet", version: 1, config, frozen }` and
 * weights encoded by torchvision name in tfjs layouts.
 *
 * @example
 * ```ts
 * const artifacts = await resnetArtifacts(model);
 * ```
 */
export async function resnetArtifacts(model: ResNet): Promise<tf.io.ModelArtifacts> {
  const topology: ResNetTopology = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    config: { ...model.config, layers: [...model.config.layers], planes: [...model.config.planes] },
    frozen: model.frozenStages(),
  };
  const { data, specs } = await tf.io.encodeWeights(Object.fromEntries(model.namedWeights()));
  return {
    modelTopology: topology as unknown as tf.io.ModelArtifacts["modelTopology"],
    format: MODEL_FORMAT,
    generatedBy: "@residual/resnet",
    weightSpecs: specs,
    weightData: data,
  };
}

/**
 * Save through a handler, or to a local directory for a plain or `file://` path.
 *
 * @example
 * ```ts
 * await saveResNet(model, "/tmp/resnet18");
 * ```
 */
export async function saveResNet(
  model: ResNet,
  destination: tf.io.IOHandler | string,
): Promise<tf.io.SaveResult> {
  const handler = typeof destination === "string" ? fileSystemHandler(directoryOf(destination)) : destination;
  if (!handler.save)
    throw new ResNetError("invalid_options", "the IOHandler given to save() has no save method");
  return handler.save(await resnetArtifacts(model));
}
