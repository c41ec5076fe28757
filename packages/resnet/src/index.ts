// Public API of @residual/resnet. Explicit exports only; add new ones here with a one-line edit.
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
