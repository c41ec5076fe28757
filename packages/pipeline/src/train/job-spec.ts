/**
 * The training job spec: what a user writes in `residual.json` next to a dataset. Parsed with zod at the edge;
 * unknown fields are an error and every problem is reported at once (InvalidInputError code `invalid_job_spec`
 * with `issues`) before any compute starts.
 */
import { ARCH_NAMES, type ArchName, STAGE_NAMES, type StageName } from "@residual/resnet";
import { z } from "zod";
import type { DatasetProfile } from "../dataset/dataset-profile.js";
import type { SpecDatasetOptions } from "../dataset/load-dataset.js";
import { type ErrorIssue, InvalidInputError } from "../errors.js";
import { MODEL_NAME_PATTERN } from "../registry/model-ref.js";
import { validateFreezeSpec } from "./loop/freeze-phases.js";
import { type AugmentRecipe, type RecipeName, resolveRecipe } from "./recipe.js";

const stageName = z.enum(STAGE_NAMES);

/** One phase of the freeze plan. `train` sets the trainable stages; `unfreeze` adds to the previous phase's. */
export const freezePhaseSchema = z
  .object({
    epochs: z.number().int().positive(),
    train: z.array(stageName).min(1).optional(),
    unfreeze: z.array(stageName).min(1).optional(),
    /** Learning-rate multiplier per trainable stage (default 1). */
    lrScale: z.partialRecord(stageName, z.number().positive()).optional(),
  })
  .strict();

/** `k` (freeze the first k stages for the whole run, the seed's `freeze_layers`) or a list of phases. */
export const freezeSchema = z.union([z.number().int().nonnegative(), z.array(freezePhaseSchema).min(1)]);

export const scheduleSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("multistep"),
      milestones: z.array(z.number().int().positive()).min(1),
      gamma: z.number().positive().max(1).default(0.1),
    })
    .strict(),
  z.object({ type: z.literal("cosine"), minLr: z.number().nonnegative().default(0) }).strict(),
]);

export const earlyStoppingSchema = z.union([
  z.literal("off"),
  z.null(),
  z
    .object({
      patience: z.number().int().positive(),
      minDelta: z.number().nonnegative().default(0),
      /** What is watched: validation loss (lower is better) or validation top-1 (higher is better). */
      monitor: z.enum(["val_loss", "val_top1"]).default("val_loss"),
    })
    .strict(),
]);

const range = z.tuple([z.number().positive(), z.number().positive()]);

/** Train augmentation overrides; the recipe fills what is not given (see recipe.ts). */
export const augmentSchema = z
  .object({
    kind: z.enum(["pad_crop", "random_resized_crop"]).optional(),
    /** pad_crop: zero border before the random crop (default size/8, 4 for 28–32 px). */
    pad: z.number().int().min(0).max(256).optional(),
    hflip: z.number().min(0).max(1).optional(),
    scale: range.optional(),
    ratio: range.optional(),
    brightness: z.number().min(0).optional(),
    contrast: z.number().min(0).optional(),
    saturation: z.number().min(0).optional(),
  })
  .strict();

const rawSpecSchema = z
  .object({
    /** The registry's one name rule (model-ref.ts), checked here so a bad name fails before any compute. */
    name: z
      .string()
      .regex(
        MODEL_NAME_PATTERN,
        "lowercase letters, digits, '.', '_' or '-', at most 63, no leading punctuation",
      )
      .refine((n) => !n.includes(".."), "must not contain '..'")
      .default("model"),
    arch: z.enum(ARCH_NAMES).default("resnet18"),
    /** `auto`: a backbone of the arch when the store holds one, its default tag first (see pretrained-choice.ts), else none. */
    pretrained: z
      .union([
        z.literal("auto"),
        z.literal("none").transform(() => null),
        z
          .string()
          .regex(
            /^([a-z0-9_]+\.[a-z0-9_]+|model:[a-z0-9][a-z0-9._-]{0,62}(@[A-Za-z0-9][A-Za-z0-9._-]{0,62})?)$/i,
            "expected 'arch.tag', 'model:<name>[@version]' or 'none'",
          ),
        z.null(),
      ])
      .default("auto"),
    /** Why a resolved spec has its starting weights; accepted so a resolved spec (job.json) parses again. */
    pretrainedReason: z.string().max(300).optional(),
    /** `auto`: small_images for CIFAR archs and datasets of ≤ 64 px images, imagenet otherwise. */
    recipe: z.enum(["auto", "small_images", "imagenet"]).default("auto"),
    /** Why a resolved spec has its recipe; accepted so a resolved spec (job.json) parses again. */
    recipeReason: z.string().max(300).optional(),
    imageSize: z.number().int().min(16).max(1024).optional(),
    /** 1 = grey (the default for grey datasets trained from scratch), 3 = RGB. */
    inChannels: z.union([z.literal(1), z.literal(3)]).optional(),
    /** Shorter side before the eval center crop (small_images: the image size, i.e. no crop margin). */
    evalResize: z.number().int().min(16).max(4096).optional(),
    augment: augmentSchema.optional(),
    epochs: z.number().int().positive().max(10_000).default(10),
    batchSize: z.number().int().positive().max(4096).optional(),
    optimizer: z.enum(["sgd", "adamw"]).default("sgd"),
    lr: z.number().positive().max(10).optional(),
    weightDecay: z.number().nonnegative().max(1).optional(),
    /** SGD momentum; accepted so a resolved spec (job.json) parses again. */
    momentum: z.number().min(0).lt(1).default(0.9),
    schedule: scheduleSchema.default({ type: "cosine", minLr: 0 }),
    warmupEpochs: z.number().nonnegative().optional(),
    labelSmoothing: z.number().min(0).lt(1).default(0),
    earlyStopping: earlyStoppingSchema.default("off"),
    seed: z.number().int().nonnegative().max(0xffffffff).default(0),
    freeze: freezeSchema.default(0),
    valSplit: z.number().gt(0).lt(1).default(0.2),
    minImagesPerClass: z.number().int().positive().default(2),
  })
  .strict();

export type FreezePhaseSpec = z.infer<typeof freezePhaseSchema>;
export type FreezeSpec = z.infer<typeof freezeSchema>;
/**
 * The learning-rate schedule of a job spec: multistep milestones or cosine.
 * @example
 * const schedule: ScheduleSpec = { type: "cosine", minLr: 0 };
 */
export type ScheduleSpec = z.infer<typeof scheduleSchema>;
export type EarlyStoppingSpec = {
  patience: number;
  minDelta: number;
  monitor: "val_loss" | "val_top1";
} | null;

/**
 * A validated `residual.json` before the recipe fills its defaults (see {@link resolveJobSpec}).
 * @example
 * const req: JobRequest = parseJobRequest({ arch: "resnet18", pretrained: "auto" });
 */
export type JobRequest = z.infer<typeof rawSpecSchema>;

/**
 * A fully resolved spec: every default applied (the recipe's, chosen from the arch and the dataset).
 * @example
 * const spec: JobSpec = parseJobSpec({ arch: "resnet18", epochs: 5 });
 */
export interface JobSpec {
  name: string;
  arch: ArchName;
  /** `arch.tag` (a backbone), `model:<name>[@version]` (a published model) or null (from scratch). */
  pretrained: string | null;
  /** Why those starting weights (`auto`'s choice, or set in the spec). */
  pretrainedReason: string;
  recipe: RecipeName;
  /** Why that recipe. */
  recipeReason: string;
  imageSize: number;
  inChannels: 1 | 3;
  evalResize: number;
  augment: AugmentRecipe;
  epochs: number;
  batchSize: number;
  optimizer: "sgd" | "adamw";
  lr: number;
  weightDecay: number;
  /** 0.9 for SGD unless set (the seed's and torchvision's recipes); unused by AdamW. */
  momentum: number;
  schedule: ScheduleSpec;
  warmupEpochs: number;
  labelSmoothing: number;
  earlyStopping: EarlyStoppingSpec;
  seed: number;
  freeze: FreezeSpec;
  valSplit: number;
  minImagesPerClass: number;
}

function toIssues(error: z.ZodError): ErrorIssue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    code: i.code,
    message: i.message,
  }));
}

/** Checks that need several fields; run on whichever fields parsed, so they are reported with the others. */
function crossFieldIssues(raw: Record<string, unknown>): ErrorIssue[] {
  const issues: ErrorIssue[] = [];
  const arch = z.enum(ARCH_NAMES).default("resnet18").safeParse(raw.arch);
  const epochs = z.number().int().positive().default(10).safeParse(raw.epochs);
  const freeze = freezeSchema.default(0).safeParse(raw.freeze);
  if (arch.success && epochs.success && freeze.success) {
    issues.push(...validateFreezeSpec(freeze.data, arch.data, epochs.data));
  }
  const schedule = scheduleSchema.safeParse(raw.schedule);
  if (epochs.success && schedule.success && schedule.data.type === "multistep") {
    const bad = schedule.data.milestones.some((m, i, a) => m >= epochs.data || (i > 0 && m <= a[i - 1]!));
    if (bad) {
      issues.push({
        path: ["schedule", "milestones"],
        code: "invalid_milestones",
        message: `milestones must be increasing and below epochs (${epochs.data})`,
      });
    }
  }
  const warmup = z
    .number()
    .nonnegative()
    .safeParse(raw.warmupEpochs ?? 0);
  if (epochs.success && warmup.success && warmup.data >= epochs.data) {
    issues.push({ path: ["warmupEpochs"], code: "too_big", message: "warmupEpochs must be below epochs" });
  }
  return issues;
}

/**
 * Validate a `residual.json` value (the job boundary's one parse), or throw InvalidInputError `invalid_job_spec`
 * listing every issue. Recipe-dependent fields stay unset until {@link resolveJobSpec}.
 *
 * @example
 * const req = parseJobRequest({ arch: "cifar_resnet20", epochs: 5 });
 */
export function parseJobRequest(raw: unknown): JobRequest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new InvalidInputError("invalid_job_spec", "job spec must be a JSON object", {
      issues: [{ path: [], code: "invalid_type", message: "expected an object" }],
    });
  }
  const parsed = rawSpecSchema.safeParse(raw);
  const issues = [
    ...(parsed.success ? [] : toIssues(parsed.error)),
    ...crossFieldIssues(raw as Record<string, unknown>),
  ];
  if (!parsed.success || issues.length > 0) {
    const list = issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new InvalidInputError("invalid_job_spec", `invalid job spec (${issues.length} issues): ${list}`, {
      issues,
    });
  }
  return parsed.data;
}

/**
 * A request with the recipe's defaults filled in; `profile` is the dataset's (without it the arch alone picks
 * the recipe). Pure: the same request and profile give the same spec.
 *
 * @example
 * const spec = resolveJobSpec(parseJobRequest(raw), datasetProfile(dataset));
 */
export function resolveJobSpec(req: JobRequest, profile?: DatasetProfile): JobSpec {
  const es = req.earlyStopping;
  // Without a store to look in (choosePretrained), `auto` cannot find a backbone: from scratch.
  const auto = req.pretrained === "auto";
  const pretrained = auto ? null : req.pretrained;
  const pretrainedReason =
    req.pretrainedReason ??
    (auto ? "auto: no store looked at" : pretrained ? "set in the job spec" : "none: set in the job spec");
  const r = resolveRecipe({ ...req, pretrained }, profile);
  return {
    ...req,
    ...r,
    pretrained,
    pretrainedReason,
    earlyStopping: es === "off" || es === null ? null : es,
  };
}

/**
 * Parse a `residual.json` value into a resolved JobSpec, or throw InvalidInputError listing every issue.
 *
 * Defaults: resnet18, 10 epochs, SGD (momentum 0.9), cosine schedule, no smoothing, no early stopping, seed 0,
 * `freeze: 0` (fine-tune everything); batch size, learning rate, weight decay, warmup, image size, channels and
 * augmentation from the recipe (recipe.ts): `small_images` for CIFAR ResNets and small images (batch 128, lr 0.1,
 * pad-crop + flip), `imagenet` otherwise (batch 32, lr 0.0125, RandomResizedCrop + flip + ColorJitter).
 *
 * @example
 * const spec = parseJobSpec({ name: "flowers", arch: "resnet18", epochs: 5, freeze: [{ epochs: 5, train: ["fc"] }] });
 * spec.lr; // 0.0125
 */
export function parseJobSpec(raw: unknown, profile?: DatasetProfile): JobSpec {
  return resolveJobSpec(parseJobRequest(raw), profile);
}

/**
 * The dataset options a job spec asks for: its validation share, class minimum and seed.
 * @example
 * const dataset = await loadDataset(store, key, {}, (raw) => datasetOptionsOf(parseJobSpec(raw)));
 */
export function datasetOptionsOf(
  spec: Pick<JobRequest, "valSplit" | "minImagesPerClass" | "seed">,
): SpecDatasetOptions {
  return { valFraction: spec.valSplit, minImagesPerClass: spec.minImagesPerClass, seed: spec.seed };
}

/** Stage names are re-exported for spec authors' tooling. */
export type { StageName };
