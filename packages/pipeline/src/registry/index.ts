// The model registry: bucket layout, publish (latest last), resolve/list/describe, backbones.
export { BACKBONES_PREFIX, backbonePrefix, latestKey, MODELS_PREFIX, modelPrefix } from "./keys.js";
export type { Calibration, Centroids } from "./model-files.js";
export {
  CalibrationSchema,
  CentroidsSchema,
  LabelsSchema,
  parseModelFile,
} from "./model-files.js";
export type { ModelRef } from "./model-ref.js";
export {
  formatModelRef,
  MODEL_NAME_PATTERN,
  parseModelRef,
  validateModelName,
  validateVersion,
} from "./model-ref.js";
export type { PublishBody, PublishedModel, PublishModelOptions } from "./publish-model.js";
export { publishModel } from "./publish-model.js";
export type { ModelDescription, ModelSummaryEntry, ResolvedModel } from "./read-model.js";
export { describeModel, listModels, modelArtifactsAt, resolveModel } from "./read-model.js";
export { DEFAULT_BACKBONE, resolveBackbone } from "./resolve-backbone.js";
export type { TrainedVersion } from "./trained-version.js";
export { publishTrainedVersion, trainedVersionFiles } from "./trained-version.js";
export { newVersionId } from "./version-id.js";
