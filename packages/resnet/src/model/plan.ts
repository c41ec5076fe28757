import type { BlockType, ResNetConfig, StageName } from "../types.js";
import { EXPANSION } from "./arch-config.js";

/**
 * One convolution, torch semantics: symmetric zero padding `pad`, no bias.
 * @example
 * for (const conv of networkPlan(config).convs) console.log(conv.name, conv.kernel, conv.stride);
 */
export interface ConvSpec {
  name: string;
  kernel: number;
  stride: number;
  pad: number;
  inChannels: number;
  outChannels: number;
  groups: number;
}

/** One norm layer; `zeroInit` marks the last norm of a block under `zeroInitResidual`. */
export interface NormSpec {
  name: string;
  channels: number;
  zeroInit: boolean;
}

export interface BlockSpec {
  name: string;
  type: BlockType;
  /** Main-path convs and their norms, pairwise (conv1/bn1, conv2/bn2[, conv3/bn3]). */
  convs: ConvSpec[];
  norms: NormSpec[];
  downsample?: { conv: ConvSpec; norm: NormSpec };
}

export type BodyStage = "layer1" | "layer2" | "layer3" | "layer4";

export interface StagePlan {
  name: BodyStage;
  blocks: BlockSpec[];
}

/** The network as data, derived once from a config; forward, init, summary and counting all read it. */
export interface NetworkPlan {
  stem: ConvSpec;
  stemNorm: NormSpec;
  maxPool: boolean;
  stages: StagePlan[];
  featureDim: number;
  numClasses: number;
}

function conv(name: string, k: number, s: number, cin: number, cout: number, groups = 1): ConvSpec {
  return { name, kernel: k, stride: s, pad: (k - 1) / 2, inChannels: cin, outChannels: cout, groups };
}

function makeBlock(
  c: ResNetConfig,
  name: string,
  inplanes: number,
  planes: number,
  stride: number,
): BlockSpec {
  const out = planes * EXPANSION[c.block];
  const norm = (n: string, ch: number, last = false): NormSpec => ({
    name: `${name}.${n}`,
    channels: ch,
    zeroInit: last && c.zeroInitResidual,
  });
  let convs: ConvSpec[];
  let norms: NormSpec[];
  if (c.block === "basic") {
    convs = [conv(`${name}.conv1`, 3, stride, inplanes, planes), conv(`${name}.conv2`, 3, 1, planes, planes)];
    norms = [norm("bn1", planes), norm("bn2", planes, true)];
  } else {
    const width = Math.floor((planes * c.widthPerGroup) / 64) * c.groups;
    convs = [
      conv(`${name}.conv1`, 1, 1, inplanes, width),
      // torchvision v1.5: the stride sits on the 3x3, not the first 1x1.
      conv(`${name}.conv2`, 3, stride, width, width, c.groups),
      conv(`${name}.conv3`, 1, 1, width, out),
    ];
    norms = [norm("bn1", width), norm("bn2", width), norm("bn3", out, true)];
  }
  const block: BlockSpec = { name, type: c.block, convs, norms };
  if (stride !== 1 || inplanes !== out) {
    block.downsample = {
      conv: conv(`${name}.downsample.0`, 1, stride, inplanes, out),
      norm: { name: `${name}.downsample.1`, channels: out, zeroInit: false },
    };
  }
  return block;
}

/**
 * Derive the layer plan of a config (torchvision `ResNet._make_layer`; CIFAR uses the same projection shortcut).
 *
 * @example
 * ```ts
 * networkPlan(archConfig("resnet18")).stages[1]!.blocks[0]!.downsample?.conv.stride; // 2
 * ```
 */
export function networkPlan(c: ResNetConfig): NetworkPlan {
  const stemOut = c.planes[0]!;
  const stem = c.cifarStem
    ? conv("conv1", 3, 1, c.inChannels, stemOut)
    : conv("conv1", 7, 2, c.inChannels, stemOut);
  let inplanes = stemOut;
  const stages = c.planes.map((planes, i): StagePlan => {
    const stride = i === 0 ? 1 : 2;
    const name = `layer${i + 1}` as BodyStage;
    const blocks: BlockSpec[] = [];
    for (let b = 0; b < c.layers[i]!; b++) {
      blocks.push(makeBlock(c, `${name}.${b}`, inplanes, planes, b === 0 ? stride : 1));
      inplanes = planes * EXPANSION[c.block];
    }
    return { name, blocks };
  });
  return {
    stem,
    stemNorm: { name: "bn1", channels: stemOut, zeroInit: false },
    maxPool: !c.cifarStem,
    stages,
    featureDim: inplanes,
    numClasses: c.numClasses,
  };
}

export type ParamRole =
  | "conv"
  | "norm_weight"
  | "norm_bias"
  | "running_mean"
  | "running_var"
  | "fc_weight"
  | "fc_bias";

/** One named tensor of the model, in torchvision `state_dict` order and tfjs layout. */
export interface ParamSpec {
  name: string;
  shape: number[];
  role: ParamRole;
  stage: StageName;
  /** Receives gradients (false for running statistics). */
  trainable: boolean;
  /** Value for norm weights: 0 under zeroInitResidual, else 1. */
  zeroInit?: boolean;
  /** fc only: fan_in for torch's default Linear init bound. */
  fanIn?: number;
}

function stageOf(name: string): StageName {
  return name.split(".")[0] as StageName;
}

function convParams(s: ConvSpec): ParamSpec[] {
  const shape = [s.kernel, s.kernel, s.inChannels / s.groups, s.outChannels];
  return [{ name: `${s.name}.weight`, shape, role: "conv", stage: stageOf(s.name), trainable: true }];
}

function normParams(s: NormSpec, batch: boolean): ParamSpec[] {
  const p = (suffix: string, role: ParamRole, trainable: boolean): ParamSpec => ({
    name: `${s.name}.${suffix}`,
    shape: [s.channels],
    role,
    stage: stageOf(s.name),
    trainable,
    zeroInit: s.zeroInit,
  });
  const affine = [p("weight", "norm_weight", true), p("bias", "norm_bias", true)];
  return batch
    ? [...affine, p("running_mean", "running_mean", false), p("running_var", "running_var", false)]
    : affine;
}

/**
 * The fc head's tensors: weight `[in, out]`, bias `[out]`.
 *
 * @example
 * ```ts
 * fcParams(512, 10).map((p) => p.shape); // [[512, 10], [10]]
 * ```
 */
export function fcParams(featureDim: number, numClasses: number): ParamSpec[] {
  return [
    {
      name: "fc.weight",
      shape: [featureDim, numClasses],
      role: "fc_weight",
      stage: "fc",
      trainable: true,
      fanIn: featureDim,
    },
    {
      name: "fc.bias",
      shape: [numClasses],
      role: "fc_bias",
      stage: "fc",
      trainable: true,
      fanIn: featureDim,
    },
  ];
}

/**
 * Every named tensor of a config without allocating any, in torchvision `state_dict` order
 * (minus `num_batches_tracked`, which tfjs has no use for).
 *
 * @example
 * ```ts
 * paramSpecs(archConfig("resnet18")).filter((p) => p.trainable).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0); // 11689512
 * ```
 */
export function paramSpecs(c: ResNetConfig, plan: NetworkPlan = networkPlan(c)): ParamSpec[] {
  const batch = c.norm === "batch";
  const out = [...convParams(plan.stem), ...normParams(plan.stemNorm, batch)];
  for (const stage of plan.stages) {
    for (const block of stage.blocks) {
      block.convs.forEach((cv, i) => {
        out.push(...convParams(cv), ...normParams(block.norms[i]!, batch));
      });
      if (block.downsample)
        out.push(...convParams(block.downsample.conv), ...normParams(block.downsample.norm, batch));
    }
  }
  out.push(...fcParams(plan.featureDim, plan.numClasses));
  return out;
}

/**
 * Number of elements of a shape.
 *
 * @example
 * ```ts
 * sizeOf([3, 3, 64, 64]); // 36864
 * ```
 */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
