// Public API of @residual/resnet: an explicit list. What only the tests need is in `@residual/resnet/testing`.

export type { BackendChoice, BackendName, InitBackendOptions } from "./backend/init-backend.js";
export { BACKEND_NAMES, initBackend } from "./backend/init-backend.js";
export { ensureGradients } from "./backend/register-gradients.js";
export type {
  BackendErrorCode,
  FormatErrorCode,
  MisshapedWeight,
  ModelErrorCode,
  ResNetErrorCode,
  WeightsErrorCode,
} from "./errors.js";
export {
  BackendError,
  DownloadError,
  FormatError,
  isResNetError,
  ResNetError,
  WeightsError,
  WeightsMismatchError,
} from "./errors.js";
export type { NpyArray } from "./io/npy.js";
export { encodeNpy, parseNpy, readNpy, writeNpy } from "./io/npy.js";
export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  wasmTrainingKernelsRegistered,
} from "./kernels/register-wasm-kernels.js";
export { archConfig, isArchName } from "./model/arch-config.js";
export {
  cifar_resnet20,
  cifar_resnet32,
  cifar_resnet44,
  cifar_resnet56,
  cifar_resnet110,
  createResNet,
  resnet18,
  resnet34,
  resnet50,
  resnet101,
  resnet152,
  resnext50_32x4d,
  resnext101_32x8d,
  wide_resnet50_2,
  wide_resnet101_2,
} from "./model/factories.js";
export { fileSystemHandler } from "./model/file-system-handler.js";
export { loadResNet } from "./model/load-model.js";
export { MODEL_FORMAT, MODEL_FORMAT_VERSION } from "./model/model-format.js";
export { type ExportableModel, type ExportOnnxOptions, exportOnnx } from "./onnx/export-onnx.js";
export type { ExportOnnxPrefixOptions, PrefixStage } from "./onnx/export-prefix.js";
export { exportOnnxPrefix } from "./onnx/export-prefix.js";
export type {
  ArchName,
  BlockType,
  ForwardOptions,
  ForwardResult,
  ModelSummary,
  NormType,
  ResNet,
  ResNetConfig,
  ResNetOptions,
  StageFlops,
  StageName,
} from "./types.js";
export { ARCH_NAMES, CIFAR_ARCHS, STAGE_NAMES, TORCHVISION_ARCHS } from "./types.js";
export {
  activationSize,
  copyWeightsToModel,
  copyWeightsToTrainer,
  type TrainerModelOptions,
  trainerForModel,
  wasmTrainerSupport,
} from "./wasm-trainer/model-bridge.js";
export type { BodyStage, GraphOptions } from "./wasm-trainer/network-graph.js";
export {
  type StepOutput,
  type TrainerGroup,
  type TrainerOptimizer,
  type TrainerOptimizerState,
  WasmTrainer,
  type WasmTrainerOptions,
} from "./wasm-trainer/wasm-trainer.js";
export type { DownloadProgress } from "./weights/download.js";
export type { ExportTorchOptions } from "./weights/export-torch.js";
export { exportTorchWeights } from "./weights/export-torch.js";
export type { FetchWeightsOptions, FetchWeightsResult } from "./weights/fetch-weights.js";
export { fetchWeights, LABELS_JSON, PRETRAINED_JSON } from "./weights/fetch-weights.js";
export { packHalf, unpackHalf } from "./weights/half-float.js";
export type { ImportReport, ImportTorchOptions } from "./weights/import-torch.js";
export { importTorchWeights, PTH_CONVERT_COMMAND } from "./weights/import-torch.js";
export type { EvalPreprocess, PretrainedWeights } from "./weights/registry.js";
export {
  classNames,
  getPretrained,
  IMAGENET_MEAN,
  IMAGENET_STD,
  listPretrained,
  PRETRAINED,
  pretrainedUrl,
  resolveArchTag,
} from "./weights/registry.js";
export type {
  SafetensorsDtype,
  SafetensorsEntry,
  SafetensorsFile,
  SafetensorsTensor,
} from "./weights/safetensors.js";
export { encodeSafetensors, parseSafetensors } from "./weights/safetensors.js";
