import { ResNetError } from "../errors.js";
import {
  ARCH_NAMES,
  type ArchName,
  type BlockType,
  CIFAR_ARCHS,
  type ResNetConfig,
  type ResNetOptions,
} from "../types.js";

interface ArchRow {
  block: BlockType;
  layers: number[];
  groups?: number;
  widthPerGroup?: number;
}

const IMAGENET_PLANES = [64, 128, 256, 512];
const CIFAR_PLANES = [16, 32, 64];

/** Depth as data: torchvision `models/resnet.py` factories, and He et al. §4.2 (6n+2) for CIFAR. */
const ARCH_TABLE: Record<ArchName, ArchRow> = {
  resnet18: { block: "basic", layers: [2, 2, 2, 2] },
  resnet34: { block: "basic", layers: [3, 4, 6, 3] },
  resnet50: { block: "bottleneck", layers: [3, 4, 6, 3] },
  resnet101: { block: "bottleneck", layers: [3, 4, 23, 3] },
  resnet152: { block: "bottleneck", layers: [3, 8, 36, 3] },
  resnext50_32x4d: { block: "bottleneck", layers: [3, 4, 6, 3], groups: 32, widthPerGroup: 4 },
  resnext101_32x8d: { block: "bottleneck", layers: [3, 4, 23, 3], groups: 32, widthPerGroup: 8 },
  wide_resnet50_2: { block: "bottleneck", layers: [3, 4, 6, 3], widthPerGroup: 128 },
  wide_resnet101_2: { block: "bottleneck", layers: [3, 4, 23, 3], widthPerGroup: 128 },
  cifar_resnet20: { block: "basic", layers: [3, 3, 3] },
  cifar_resnet32: { block: "basic", layers: [5, 5, 5] },
  cifar_resnet44: { block: "basic", layers: [7, 7, 7] },
  cifar_resnet56: { block: "basic", layers: [9, 9, 9] },
  cifar_resnet110: { block: "basic", layers: [18, 18, 18] },
};

/** Channel multiplier of a block's output over its `planes`. */
export const EXPANSION: Record<BlockType, number> = { basic: 1, bottleneck: 4 };

/**
 * True when `s` names a supported architecture.
 *
 * @example
 * ```ts
 * isArchName("resnet50"); // true
 * ```
 */
export function isArchName(s: unknown): s is ArchName {
  return typeof s === "string" && (ARCH_NAMES as readonly string[]).includes(s);
}

function isCifar(arch: ArchName): boolean {
  return (CIFAR_ARCHS as readonly string[]).includes(arch);
}

function checkOptions(arch: ArchName, c: ResNetConfig): void {
  const problems: string[] = [];
  const positiveInt = (key: keyof ResNetConfig, v: number) => {
    if (!Number.isInteger(v) || v < 1) problems.push(`${key} must be a positive integer, got ${v}`);
  };
  positiveInt("numClasses", c.numClasses);
  positiveInt("inChannels", c.inChannels);
  positiveInt("groups", c.groups);
  positiveInt("widthPerGroup", c.widthPerGroup);
  positiveInt("normGroups", c.normGroups);
  if (c.norm !== "batch" && c.norm !== "group")
    problems.push(`norm must be "batch" or "group", got ${c.norm}`);
  // torchvision raises the same: BasicBlock has no grouped or widened variant.
  if (c.block === "basic" && (c.groups !== 1 || c.widthPerGroup !== 64)) {
    problems.push(`${arch} uses BasicBlock, which only supports groups=1 and widthPerGroup=64`);
  }
  if (c.norm === "group" && problems.length === 0) {
    const bad = normChannels(c).filter((ch) => ch % c.normGroups !== 0);
    if (bad.length > 0)
      problems.push(`normGroups=${c.normGroups} does not divide channel counts ${[...new Set(bad)]}`);
  }
  if (problems.length > 0)
    throw new ResNetError("invalid_options", `invalid options for ${arch}: ${problems.join("; ")}`);
}

/** Every channel count a norm layer sees, so GroupNorm divisibility is checked before any tensor exists. */
function normChannels(c: ResNetConfig): number[] {
  const out = [c.planes[0]!];
  for (const p of c.planes) {
    const width = Math.floor((p * c.widthPerGroup) / 64) * c.groups;
    out.push(p * EXPANSION[c.block], ...(c.block === "bottleneck" ? [width] : []));
  }
  return out;
}

/**
 * The full {@link ResNetConfig} of an architecture with options applied (the depth table plus defaults).
 *
 * @example
 * ```ts
 * archConfig("resnext50_32x4d").groups; // 32
 * archConfig("cifar_resnet20").numClasses; // 10
 * ```
 */
export function archConfig(arch: ArchName, opts: ResNetOptions = {}): ResNetConfig {
  if (!isArchName(arch)) {
    throw new ResNetError(
      "unknown_arch",
      `unknown architecture "${String(arch)}"; expected one of ${ARCH_NAMES}`,
    );
  }
  const row = ARCH_TABLE[arch];
  const cifar = isCifar(arch);
  const config: ResNetConfig = {
    arch,
    block: row.block,
    layers: [...row.layers],
    planes: [...(cifar ? CIFAR_PLANES : IMAGENET_PLANES)],
    numClasses: opts.numClasses ?? (cifar ? 10 : 1000),
    inChannels: opts.inChannels ?? 3,
    groups: opts.groups ?? row.groups ?? 1,
    widthPerGroup: opts.widthPerGroup ?? row.widthPerGroup ?? 64,
    norm: opts.norm ?? "batch",
    normGroups: opts.normGroups ?? 32,
    zeroInitResidual: opts.zeroInitResidual ?? false,
    cifarStem: cifar,
    bnEps: 1e-5,
    bnMomentum: 0.1,
  };
  checkOptions(arch, config);
  return config;
}
