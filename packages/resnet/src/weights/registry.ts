/**
 * Pretrained weights, keyed `arch.tag` like timm (`resnet50.tv2_in1k`). Each entry carries where to download it,
 * how to preprocess images for it, its classes and the top-1 its authors reported, so that a caller never has to
 * know that torchvision's V2 weights want a 232-pixel resize.
 */

import { WeightsError } from "../errors.js";
import type { ArchName } from "../types.js";
import imagenetClassList from "./imagenet-classes.json" with { type: "json" };

/**
 * Hugging Face's timm organisation serves every entry below as `model.safetensors`.
 * @example
 * pretrainedUrl("resnet18.tv_in1k", DEFAULT_WEIGHTS_BASE_URL);
 */
export const DEFAULT_WEIGHTS_BASE_URL = "https://huggingface.co/timm";
/**
 * Environment variable that replaces {@link DEFAULT_WEIGHTS_BASE_URL} (mirrors, tests, air-gapped installs).
 * @example
 * process.env[WEIGHTS_BASE_URL_ENV] = "http://mirror.internal/timm";
 */
export const WEIGHTS_BASE_URL_ENV = "RESIDUAL_WEIGHTS_BASE_URL";

/**
 * ImageNet's per-channel mean of RGB values in [0, 1]: the one copy (training, serving and every registry entry).
 * @example
 * (pixel / 255 - IMAGENET_MEAN[0]) / IMAGENET_STD[0]; // red channel, normalised
 */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
/**
 * ImageNet's per-channel standard deviation of RGB values in [0, 1].
 * @example
 * (pixel / 255 - IMAGENET_MEAN[2]) / IMAGENET_STD[2]; // blue channel, normalised
 */
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/**
 * Evaluation preprocessing: resize the short side to `resize`, centre-crop `crop`, scale to [0,1], normalise.
 * @example
 * const { resize, crop }: EvalPreprocess = getPretrained("resnet50.tv2_in1k").preprocess; // 232, 224
 */
export interface EvalPreprocess {
  resize: number;
  crop: number;
  /** timm's `crop_pct`: `resize = floor(crop / cropPct)`. */
  cropPct: number;
  interpolation: "bilinear" | "bicubic";
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * One pretrained checkpoint of the registry: where it is, how to preprocess for it, its classes and top-1.
 * @example
 * const weights: PretrainedWeights = getPretrained("resnet50.tv2_in1k");
 */
export interface PretrainedWeights {
  /** `arch.tag`, e.g. `resnet50.tv2_in1k`. */
  archTag: string;
  arch: ArchName;
  tag: string;
  numClasses: number;
  /** Name of the label set; `classNames()` returns the names. */
  classes: "imagenet-1k";
  preprocess: EvalPreprocess;
  /** ImageNet-1k validation top-1 (%) reported by the weights' authors at `preprocess`. */
  top1: number;
  /** Where the weights were first published (a `.pth`; we download timm's safetensors copy instead). */
  origin: string;
  license: string;
}

function evalCfg(
  cropPct: number,
  interpolation: EvalPreprocess["interpolation"],
  crop = 224,
): EvalPreprocess {
  return {
    resize: Math.floor(crop / cropPct),
    crop,
    cropPct,
    interpolation,
    mean: IMAGENET_MEAN,
    std: IMAGENET_STD,
  };
}

// torchvision V1 recipes: resize 256, crop 224; V2 recipes: resize 232, crop 224 (both bilinear).
const TV = evalCfg(0.875, "bilinear");
const TV2 = evalCfg(0.965, "bilinear");
const TV_ORIGIN = "https://download.pytorch.org/models/";

function entry(archTag: string, preprocess: EvalPreprocess, top1: number, origin: string): PretrainedWeights {
  const [arch, tag] = archTag.split(".") as [ArchName, string];
  const license = tag.startsWith("tv") ? "bsd-3-clause" : "apache-2.0";
  return { archTag, arch, tag, numClasses: 1000, classes: "imagenet-1k", preprocess, top1, origin, license };
}

/**
 * Every known pretrained checkpoint.
 * @example
 * PRETRAINED.filter((p) => p.arch === "resnet50").map((p) => p.tag);
 */
export const PRETRAINED: readonly PretrainedWeights[] = [
  entry("resnet18.tv_in1k", TV, 69.758, `${TV_ORIGIN}resnet18-f37072fd.pth`),
  entry("resnet34.tv_in1k", TV, 73.314, `${TV_ORIGIN}resnet34-b627a593.pth`),
  entry("resnet50.tv_in1k", TV, 76.13, `${TV_ORIGIN}resnet50-0676ba61.pth`),
  entry("resnet50.tv2_in1k", TV2, 80.858, `${TV_ORIGIN}resnet50-11ad3fa6.pth`),
  // ResNet strikes back A1 (arXiv:2110.00476): bicubic, crop_pct 0.95 at 224; timm's test size is 288 (81.22).
  entry(
    "resnet50.a1_in1k",
    evalCfg(0.95, "bicubic"),
    80.4,
    "https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-rsb-weights/resnet50_a1_0-14fe96d1.pth",
  ),
  entry("resnet101.tv_in1k", TV, 77.374, `${TV_ORIGIN}resnet101-63fe2227.pth`),
  entry("resnet101.tv2_in1k", TV2, 81.886, `${TV_ORIGIN}resnet101-cd907fc2.pth`),
  entry("resnet152.tv_in1k", TV, 78.312, `${TV_ORIGIN}resnet152-394f9c45.pth`),
  entry("resnet152.tv2_in1k", TV2, 82.284, `${TV_ORIGIN}resnet152-f82ba261.pth`),
  entry("resnext50_32x4d.tv_in1k", TV, 77.618, `${TV_ORIGIN}resnext50_32x4d-7cdf4587.pth`),
  entry("resnext50_32x4d.tv2_in1k", TV2, 81.198, `${TV_ORIGIN}resnext50_32x4d-1a0047aa.pth`),
  entry("resnext101_32x8d.tv_in1k", TV, 79.312, `${TV_ORIGIN}resnext101_32x8d-8ba56ff5.pth`),
  entry("resnext101_32x8d.tv2_in1k", TV2, 82.834, `${TV_ORIGIN}resnext101_32x8d-110c445d.pth`),
  entry("wide_resnet50_2.tv_in1k", TV, 78.468, `${TV_ORIGIN}wide_resnet50_2-95faca4d.pth`),
  entry("wide_resnet50_2.tv2_in1k", TV2, 81.602, `${TV_ORIGIN}wide_resnet50_2-9ba9bcbe.pth`),
  entry("wide_resnet101_2.tv_in1k", TV, 78.848, `${TV_ORIGIN}wide_resnet101_2-32ee1156.pth`),
  entry("wide_resnet101_2.tv2_in1k", TV2, 82.51, `${TV_ORIGIN}wide_resnet101_2-d733dc28.pth`),
];

/**
 * The `arch.tag` a name means: an `arch.tag` as it is; a bare arch name its default weights, the arch's first
 * entry above (torchvision's V1 recipe). The registry and serving both resolve bare names here, so
 * `residual weights fetch resnet50` fills the backbone `RESIDUAL_DEFAULT_BACKBONE=resnet50` serves.
 * @example
 * resolveArchTag("resnet50"); // "resnet50.tv_in1k"
 * resolveArchTag("resnet50.tv2_in1k"); // "resnet50.tv2_in1k"
 */
export function resolveArchTag(name: string): string {
  if (name.includes(".")) return name;
  return PRETRAINED.find((p) => p.arch === name)?.archTag ?? name;
}

/**
 * Look up pretrained weights by `arch.tag`; a bare arch name picks its default ({@link resolveArchTag}).
 * Throws {@link WeightsError} `weights_unknown_tag` listing what exists.
 * @example
 * getPretrained("resnet50.tv2_in1k").preprocess.resize; // 232
 */
export function getPretrained(archTag: string): PretrainedWeights {
  const wanted = resolveArchTag(archTag);
  const found = PRETRAINED.find((p) => p.archTag === wanted);
  if (!found) {
    const known = PRETRAINED.map((p) => p.archTag).join(", ");
    throw new WeightsError("weights_unknown_tag", `unknown pretrained weights '${archTag}'; known: ${known}`);
  }
  return found;
}

/**
 * Pretrained entries, optionally only those of one architecture.
 * @example
 * listPretrained("resnet50").map((p) => p.tag); // ["tv_in1k", "tv2_in1k", "a1_in1k"]
 */
export function listPretrained(arch?: ArchName): PretrainedWeights[] {
  return PRETRAINED.filter((p) => arch === undefined || p.arch === arch);
}

/**
 * Download URL of an entry's safetensors: `<base>/<arch.tag>/resolve/main/model.safetensors`, where base is
 * `baseUrl`, else `$RESIDUAL_WEIGHTS_BASE_URL`, else Hugging Face's timm organisation.
 * @example
 * pretrainedUrl("resnet18.tv_in1k", "http://127.0.0.1:8080"); // http://127.0.0.1:8080/resnet18.tv_in1k/resolve/main/model.safetensors
 */
export function pretrainedUrl(archTag: string, baseUrl?: string): string {
  const base = baseUrl ?? process.env[WEIGHTS_BASE_URL_ENV] ?? DEFAULT_WEIGHTS_BASE_URL;
  return `${base.replace(/\/+$/, "")}/${getPretrained(archTag).archTag}/resolve/main/model.safetensors`;
}

/**
 * Class names of a label set, index = logit position (torchvision's `_IMAGENET_CATEGORIES`).
 * @example
 * classNames("imagenet-1k")[0]; // "tench"
 */
export function classNames(classes: PretrainedWeights["classes"]): string[] {
  if (classes !== "imagenet-1k")
    throw new WeightsError("weights_unknown_tag", `unknown label set '${classes}'`);
  return [...imagenetClassList];
}
