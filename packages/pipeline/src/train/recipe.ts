/**
 * Training recipes: the defaults a job gets for what it did not set, chosen from the architecture and the data.
 *
 * - `small_images` (every `cifar_*` arch, and any dataset whose median shorter side is ≤ 64 px): He et al.'s
 *   CIFAR recipe — images at their own size, zero-pad 4 + random crop + horizontal flip, no colour jitter, SGD
 *   momentum 0.9, weight decay 1e-4, lr 0.1 at batch 128 scaled linearly, warmup (a fifth of the epochs, at most
 *   2) then cosine; eval resizes the whole image (no crop margin). Grey datasets train with one input channel.
 * - `imagenet`: the torchvision ImageNet recipe — RandomResizedCrop(0.08–1) + flip + ColorJitter 0.4, lr 0.1 at
 *   batch 256 scaled linearly, batch 32, cosine, no warmup; eval resizes the shorter side to 256/224 of the crop
 *   and center-crops.
 *
 * Every part is overridable in `residual.json`; the resolved values go into `job.json` and the model card.
 */
import type { ArchName } from "@residual/resnet";
import type { DatasetProfile } from "../dataset/dataset-profile.js";

export type RecipeName = "small_images" | "imagenet";

export type AugmentRecipe =
  | { kind: "pad_crop"; pad: number; hflip: number }
  | {
      kind: "random_resized_crop";
      scale: [number, number];
      ratio: [number, number];
      hflip: number;
      brightness: number;
      contrast: number;
      saturation: number;
    };

/** What a job asked for that the recipe may fill in (undefined: not set). */
export interface RecipeRequest {
  recipe: "auto" | RecipeName;
  recipeReason?: string;
  arch: ArchName;
  optimizer: "sgd" | "adamw";
  epochs: number;
  pretrained: string | null;
  imageSize?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  warmupEpochs?: number;
  inChannels?: 1 | 3;
  evalResize?: number;
  augment?: Partial<Omit<Extract<AugmentRecipe, { kind: "random_resized_crop" }>, "kind">> & {
    kind?: AugmentRecipe["kind"];
    pad?: number;
  };
}

export interface ResolvedRecipe {
  recipe: RecipeName;
  /** Why this recipe (for the log and the model card). */
  recipeReason: string;
  imageSize: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  warmupEpochs: number;
  inChannels: 1 | 3;
  evalResize: number;
  augment: AugmentRecipe;
}

/** Largest median shorter side the small-image recipe takes as "small". */
export const SMALL_IMAGE_MAX_SIDE = 64;

function chooseRecipe(r: RecipeRequest, profile?: DatasetProfile): { recipe: RecipeName; reason: string } {
  if (r.recipe !== "auto") return { recipe: r.recipe, reason: r.recipeReason ?? "set in the job spec" };
  if (r.arch.startsWith("cifar_")) return { recipe: "small_images", reason: `${r.arch} is a CIFAR ResNet` };
  if (profile && profile.images > 0 && profile.medianSide <= SMALL_IMAGE_MAX_SIDE) {
    return {
      recipe: "small_images",
      reason: `median image side ${profile.medianSide} px ≤ ${SMALL_IMAGE_MAX_SIDE}`,
    };
  }
  return {
    recipe: "imagenet",
    reason: profile ? `median image side ${profile.medianSide} px` : "no dataset profile",
  };
}

function smallImageSize(profile?: DatasetProfile): number {
  if (!profile || profile.images === 0 || profile.medianSide > SMALL_IMAGE_MAX_SIDE) return 32;
  return Math.max(16, profile.medianSide);
}

function augmentFor(recipe: RecipeName, size: number, given: RecipeRequest["augment"]): AugmentRecipe {
  const kind = given?.kind ?? (recipe === "small_images" ? "pad_crop" : "random_resized_crop");
  if (kind === "pad_crop") {
    return { kind, pad: given?.pad ?? Math.max(1, Math.round(size / 8)), hflip: given?.hflip ?? 0.5 };
  }
  return {
    kind,
    scale: given?.scale ?? [0.08, 1],
    ratio: given?.ratio ?? [3 / 4, 4 / 3],
    hflip: given?.hflip ?? 0.5,
    brightness: given?.brightness ?? 0.4,
    contrast: given?.contrast ?? 0.4,
    saturation: given?.saturation ?? 0.4,
  };
}

/**
 * The recipe for a request, with `profile` the training split as validation saw it (absent before the dataset is
 * read: the arch alone decides then).
 *
 * @example
 * resolveRecipe({ recipe: "auto", arch: "cifar_resnet20", optimizer: "sgd", epochs: 5, pretrained: null },
 *   { medianSide: 28, grey: true, images: 4000 }).lr; // 0.1 (batch 128)
 */
export function resolveRecipe(r: RecipeRequest, profile?: DatasetProfile): ResolvedRecipe {
  const { recipe, reason } = chooseRecipe(r, profile);
  const small = recipe === "small_images";
  const imageSize = r.imageSize ?? (small ? smallImageSize(profile) : 224);
  const batchSize = r.batchSize ?? (small ? 128 : 32);
  const sgd = r.optimizer === "sgd";
  const lr = r.lr ?? (sgd ? (0.1 * batchSize) / (small ? 128 : 256) : 1e-3);
  // Pretrained backbones take RGB; a grey dataset is then read as three equal channels.
  const grey = profile?.grey === true && r.pretrained === null;
  return {
    recipe,
    recipeReason: reason,
    imageSize,
    batchSize,
    lr,
    weightDecay: r.weightDecay ?? (sgd ? 1e-4 : 0.01),
    warmupEpochs: r.warmupEpochs ?? (small ? Math.min(2, r.epochs / 5) : 0),
    inChannels: r.inChannels ?? (grey ? 1 : 3),
    evalResize: r.evalResize ?? (small ? imageSize : Math.floor((imageSize * 256) / 224)),
    augment: augmentFor(recipe, imageSize, r.augment),
  };
}
