/**
 * The contracts of @residual/resnet: architecture names, configuration and the model interface.
 *
 * Weight naming is torchvision's `state_dict` naming (`layer1.0.conv1.weight`, `layer2.0.downsample.1.running_mean`,
 * `fc.weight`), so import/export and ONNX export are name-for-name. Tensor layouts are TensorFlow.js's:
 * - conv weight: HWIO `[kh, kw, inChannels / groups, outChannels]` (torch: OIHW)
 * - fc.weight: `[inFeatures, numClasses]` (torch: `[out, in]`), fc.bias: `[numClasses]`
 * - norm: `weight`, `bias` (γ, β), and for BatchNorm `running_mean`, `running_var`, all `[C]`
 */
import type * as tf from "@tensorflow/tfjs-core";

/**
 * The torchvision architectures (ImageNet stems), in depth order.
 * @example
 * TORCHVISION_ARCHS.includes("resnet50"); // true
 */
export const TORCHVISION_ARCHS = [
  "resnet18",
  "resnet34",
  "resnet50",
  "resnet101",
  "resnet152",
  "resnext50_32x4d",
  "resnext101_32x8d",
  "wide_resnet50_2",
  "wide_resnet101_2",
] as const;
/**
 * He et al.'s CIFAR ResNets (3×3 stem, three stages).
 * @example
 * CIFAR_ARCHS.includes("cifar_resnet20"); // true
 */
export const CIFAR_ARCHS = [
  "cifar_resnet20",
  "cifar_resnet32",
  "cifar_resnet44",
  "cifar_resnet56",
  "cifar_resnet110",
] as const;
/**
 * Every architecture name {@link createResNet} accepts.
 * @example
 * ARCH_NAMES.includes("wide_resnet50_2"); // true
 */
export const ARCH_NAMES = [...TORCHVISION_ARCHS, ...CIFAR_ARCHS] as const;
/**
 * One of {@link ARCH_NAMES}.
 * @example
 * const arch: ArchName = "resnet18";
 */
export type ArchName = (typeof ARCH_NAMES)[number];

/**
 * Freezable units, in network order. `freezeFirst(k)` freezes the first k of these.
 * @example
 * model.freeze(STAGE_NAMES.slice(0, 3)); // stem, layer1, layer2
 */
export const STAGE_NAMES = ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "fc"] as const;
/**
 * One of {@link STAGE_NAMES}.
 * @example
 * const stage: StageName = "layer4";
 */
export type StageName = (typeof STAGE_NAMES)[number];

/**
 * The residual block kind of an architecture.
 * @example
 * const block: BlockType = archConfig("resnet50").block; // "bottleneck"
 */
export type BlockType = "basic" | "bottleneck";
/**
 * The normalisation layer of an architecture.
 * @example
 * const norm: NormType = archConfig("resnet18", { norm: "group" }).norm;
 */
export type NormType = "batch" | "group";

/**
 * Everything needed to rebuild a model; serialised into saved models.
 * @example
 * const config: ResNetConfig = archConfig("resnet18", { numClasses: 10 });
 */
export interface ResNetConfig {
  arch: ArchName;
  block: BlockType;
  /** Blocks per stage: `[2, 2, 2, 2]` for resnet18, `[3, 3, 3]` for cifar_resnet20. */
  layers: number[];
  /** Output planes of each stage before expansion: `[64, 128, 256, 512]` or CIFAR `[16, 32, 64]`. */
  planes: number[];
  numClasses: number;
  inChannels: number;
  groups: number;
  widthPerGroup: number;
  norm: NormType;
  /** Groups for GroupNorm (ignored for BatchNorm). @default 32 */
  normGroups: number;
  zeroInitResidual: boolean;
  /** CIFAR stem: 3×3 stride-1 conv, no max-pool. */
  cifarStem: boolean;
  /** BatchNorm epsilon (torch: 1e-5) and momentum (torch: 0.1, i.e. moving = 0.9·moving + 0.1·batch). */
  bnEps: number;
  bnMomentum: number;
}

/**
 * Options a factory takes: classes, input channels, norm, init seed and the rest of {@link ResNetConfig}.
 * @example
 * const model = createResNet("resnet18", { numClasses: 5, seed: 0 } satisfies ResNetOptions);
 */
export type ResNetOptions = Partial<
  Pick<
    ResNetConfig,
    "numClasses" | "inChannels" | "groups" | "widthPerGroup" | "norm" | "normGroups" | "zeroInitResidual"
  >
> & {
  /** Seed for the initialisation; same seed, same weights. */
  seed?: number;
};

/**
 * How a forward pass runs (training mode: batch statistics for BatchNorm).
 * @example
 * const out = model.forward(x, { training: true } satisfies ForwardOptions);
 */
export interface ForwardOptions {
  /** Training mode: batch statistics in non-frozen BatchNorms (and their moving stats updated). @default false */
  training?: boolean;
}

/**
 * A forward pass's pooled features and logits; the caller disposes both.
 * @example
 * const { features, logits }: ForwardResult = model.forward(x);
 */
export interface ForwardResult {
  /** Pooled features before the head: `[N, featureDim]`. */
  features: tf.Tensor2D;
  /** Logits: `[N, numClasses]`. */
  logits: tf.Tensor2D;
}

/**
 * The FLOPs of one stage, as {@link ModelSummary} lists them.
 * @example
 * for (const s of model.summary(224).flopsPerStage as StageFlops[]) console.log(s.stage, s.flops);
 */
export interface StageFlops {
  stage: string;
  flops: number;
}

/**
 * Parameters, layers and FLOPs of a model at an input size.
 * @example
 * const { params, flops }: ModelSummary = model.summary(224);
 */
export interface ModelSummary {
  arch: ArchName;
  /** Weighted layers by the paper's counting (convs on the main path + fc): 18/34/50/101/152, 20 for cifar_resnet20. */
  layers: number;
  params: number;
  trainableParams: number;
  /** Total FLOPs for one image at `inputSize`, 2·K²·Cin·Cout·H·W per conv (+ 2·in·out for fc). */
  flops: number;
  flopsPerStage: StageFlops[];
  inputSize: number;
  featureDim: number;
  frozen: StageName[];
}

/**
 * A ResNet built from tfjs-core ops with named variables. Inputs are NHWC float32, already normalised.
 * Every method that returns a tensor hands ownership to the caller (dispose it, or call inside `tf.tidy`).
 * @example
 * const model: ResNet = resnet18({ numClasses: 10 });
 * const { features, logits } = model.forward(x);
 */
export interface ResNet {
  readonly config: Readonly<ResNetConfig>;
  /** Width of the pooled features: 512·expansion (resnet18: 512, resnet50: 2048, CIFAR: 64). */
  readonly featureDim: number;
  /** Eval-mode logits `[N, numClasses]`. */
  predict(x: tf.Tensor4D): tf.Tensor2D;
  /** Eval-mode pooled features `[N, featureDim]` (the seed's `get_features`). */
  features(x: tf.Tensor4D): tf.Tensor2D;
  /** Features and logits in one pass; `training: true` uses batch statistics in non-frozen BatchNorms. */
  forward(x: tf.Tensor4D, opts?: ForwardOptions): ForwardResult;
  /** Activation after `stage` (one of conv1…layer4; `bn1` includes relu and max-pool). For frozen-prefix caching. */
  forwardUntil(x: tf.Tensor4D, stage: Exclude<StageName, "fc">, opts?: ForwardOptions): tf.Tensor4D;
  /** Continue from the activation produced by `forwardUntil(x, stage)`. */
  forwardFrom(h: tf.Tensor4D, stage: Exclude<StageName, "fc">, opts?: ForwardOptions): ForwardResult;
  /** Replace the head with a freshly initialised `featureDim → numClasses` fc (torch default init). */
  resetClassifier(numClasses: number, seed?: number): void;
  freeze(stages: readonly StageName[]): void;
  unfreeze(stages: readonly StageName[]): void;
  /** The seed's `freeze_layers = k`: freeze the first k of STAGE_NAMES, unfreeze the rest. */
  freezeFirst(k: number): void;
  frozenStages(): StageName[];
  /** Variables an optimizer should update: weights and biases of non-frozen stages (never running stats). */
  trainableVariables(): tf.Variable[];
  /** Trainable variables grouped by stage, for per-stage learning rates. */
  trainableVariablesByStage(): Map<StageName, tf.Variable[]>;
  /** Every tensor by torchvision name, running statistics included. The model keeps ownership. */
  namedWeights(): Map<string, tf.Variable>;
  /** Copy values in by name (layouts as in the file header). Throws one error listing missing, unexpected and misshaped keys. */
  loadWeights(weights: ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>): void;
  summary(inputSize?: number): ModelSummary;
  /** Save through any `tf.io` handler, or a `file://` path / plain directory path. */
  save(destination: tf.io.IOHandler | string): Promise<tf.io.SaveResult>;
  dispose(): void;
}
