import type { ArchName, ResNet, ResNetOptions } from "../types.js";
import { archConfig } from "./arch-config.js";
import { ResNetModel } from "./resnet-model.js";

/**
 * Build a freshly initialised ResNet (torchvision init; same `seed`, same weights).
 *
 * @example
 * ```ts
 * const model = createResNet("resnet50", { numClasses: 5, seed: 42 });
 * ```
 */
export function createResNet(arch: ArchName, opts: ResNetOptions = {}): ResNet {
  return new ResNetModel(archConfig(arch, opts), { seed: opts.seed });
}

type Factory = (opts?: ResNetOptions) => ResNet;

/** ResNet-18 (He et al. 2016), BasicBlock [2, 2, 2, 2]. @example `const m = resnet18({ numClasses: 10 });` */
export const resnet18: Factory = (opts) => createResNet("resnet18", opts);
/** ResNet-34, BasicBlock [3, 4, 6, 3]. @example `const m = resnet34();` */
export const resnet34: Factory = (opts) => createResNet("resnet34", opts);
/** ResNet-50, Bottleneck [3, 4, 6, 3]. @example `const m = resnet50();` */
export const resnet50: Factory = (opts) => createResNet("resnet50", opts);
/** ResNet-101, Bottleneck [3, 4, 23, 3]. @example `const m = resnet101();` */
export const resnet101: Factory = (opts) => createResNet("resnet101", opts);
/** ResNet-152, Bottleneck [3, 8, 36, 3]. @example `const m = resnet152();` */
export const resnet152: Factory = (opts) => createResNet("resnet152", opts);
/** ResNeXt-50 32x4d: grouped 3x3 convs, 32 groups of width 4. @example `const m = resnext50_32x4d();` */
export const resnext50_32x4d: Factory = (opts) => createResNet("resnext50_32x4d", opts);
/** ResNeXt-101 32x8d. @example `const m = resnext101_32x8d();` */
export const resnext101_32x8d: Factory = (opts) => createResNet("resnext101_32x8d", opts);
/** Wide ResNet-50-2: bottleneck width doubled. @example `const m = wide_resnet50_2();` */
export const wide_resnet50_2: Factory = (opts) => createResNet("wide_resnet50_2", opts);
/** Wide ResNet-101-2. @example `const m = wide_resnet101_2();` */
export const wide_resnet101_2: Factory = (opts) => createResNet("wide_resnet101_2", opts);
/** CIFAR ResNet-20 (6n+2, n=3), 10 classes by default. @example `const m = cifar_resnet20();` */
export const cifar_resnet20: Factory = (opts) => createResNet("cifar_resnet20", opts);
/** CIFAR ResNet-32 (n=5). @example `const m = cifar_resnet32();` */
export const cifar_resnet32: Factory = (opts) => createResNet("cifar_resnet32", opts);
/** CIFAR ResNet-44 (n=7). @example `const m = cifar_resnet44();` */
export const cifar_resnet44: Factory = (opts) => createResNet("cifar_resnet44", opts);
/** CIFAR ResNet-56 (n=9). @example `const m = cifar_resnet56();` */
export const cifar_resnet56: Factory = (opts) => createResNet("cifar_resnet56", opts);
/** CIFAR ResNet-110 (n=18). @example `const m = cifar_resnet110();` */
export const cifar_resnet110: Factory = (opts) => createResNet("cifar_resnet110", opts);
