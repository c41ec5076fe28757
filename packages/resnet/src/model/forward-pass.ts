import * as tf from "@tensorflow/tfjs-core";
import { ResNetError } from "../errors.js";
import type { ForwardResult, ResNetConfig, StageName } from "../types.js";
import { batchNormInference, batchNormTraining, conv2d, groupNorm, maxPool3x3 } from "./layers.js";
import type { BlockSpec, ConvSpec, NetworkPlan, NormSpec } from "./plan.js";

/** What a forward pass reads from the model: its plan, its variables, and which stages are frozen. */
export interface ForwardContext {
  config: Readonly<ResNetConfig>;
  plan: NetworkPlan;
  weight(name: string): tf.Variable;
  isFrozen(stage: StageName): boolean;
  training: boolean;
}

/** Stages that produce a 4D activation, in order; CIFAR models have no layer4. */
export type BodyStageName = Exclude<StageName, "fc">;

/**
 * The body stages a plan actually has.
 *
 * @example
 * ```ts
 * bodyStages(networkPlan(archConfig("cifar_resnet20"))); // ["conv1", "bn1", "layer1", "layer2", "layer3"]
 * ```
 */
export function bodyStages(plan: NetworkPlan): BodyStageName[] {
  return ["conv1", "bn1", ...plan.stages.map((s) => s.name)];
}

function stageOf(name: string): StageName {
  return name.split(".")[0] as StageName;
}

function conv(ctx: ForwardContext, x: tf.Tensor4D, spec: ConvSpec): tf.Tensor4D {
  return conv2d(x, ctx.weight(`${spec.name}.weight`) as tf.Variable<tf.Rank.R4>, spec);
}

function norm(ctx: ForwardContext, x: tf.Tensor4D, spec: NormSpec): tf.Tensor4D {
  const w = (suffix: string) => ctx.weight(`${spec.name}.${suffix}`);
  if (ctx.config.norm === "group")
    return groupNorm(x, w("weight"), w("bias"), ctx.config.normGroups, ctx.config.bnEps);
  const params = {
    weight: w("weight"),
    bias: w("bias"),
    runningMean: w("running_mean"),
    runningVar: w("running_var"),
  };
  // A frozen stage's BatchNorm is a fixed affine map: inference mode even while the rest trains.
  if (ctx.training && !ctx.isFrozen(stageOf(spec.name))) {
    return batchNormTraining(x, params, ctx.config.bnEps, ctx.config.bnMomentum);
  }
  return batchNormInference(x, params, ctx.config.bnEps);
}

/** Basic and bottleneck blocks alike: conv→norm(→relu) pairs, shortcut, relu after the add. */
function block(ctx: ForwardContext, x: tf.Tensor4D, b: BlockSpec): tf.Tensor4D {
  let h = x;
  const last = b.convs.length - 1;
  b.convs.forEach((c, i) => {
    h = norm(ctx, conv(ctx, h, c), b.norms[i]!);
    if (i < last) h = tf.relu(h);
  });
  const identity = b.downsample ? norm(ctx, conv(ctx, x, b.downsample.conv), b.downsample.norm) : x;
  return tf.relu(tf.add(h, identity)) as tf.Tensor4D;
}

function runStage(ctx: ForwardContext, x: tf.Tensor4D, stage: BodyStageName): tf.Tensor4D {
  if (stage === "conv1") return conv(ctx, x, ctx.plan.stem);
  if (stage === "bn1") {
    const h = tf.relu(norm(ctx, x, ctx.plan.stemNorm));
    return ctx.plan.maxPool ? maxPool3x3(h) : h;
  }
  const plan = ctx.plan.stages.find((s) => s.name === stage)!;
  return plan.blocks.reduce((h, b) => block(ctx, h, b), x);
}

/** Channels of the activation leaving `stage` (what forwardFrom expects to receive). */
function channelsAfter(plan: NetworkPlan, stage: BodyStageName): number {
  if (stage === "conv1" || stage === "bn1") return plan.stem.outChannels;
  const blocks = plan.stages.find((s) => s.name === stage)!.blocks;
  return blocks[blocks.length - 1]!.norms.at(-1)!.channels;
}

/**
 * Index of `stage` among the plan's body stages, or a ResNetError for stages this model lacks.
 *
 * @example
 * ```ts
 * stageIndex(networkPlan(archConfig("resnet18")), "layer1"); // 2
 * ```
 */
export function stageIndex(plan: NetworkPlan, stage: string): number {
  const stages = bodyStages(plan);
  const i = stages.indexOf(stage as BodyStageName);
  if (i < 0) {
    throw new ResNetError(
      "invalid_stage",
      `stage "${stage}" is not a body stage of this model; expected one of ${stages}`,
    );
  }
  return i;
}

/**
 * Check rank and channels so a bad tensor fails with a clear error, not deep inside a kernel.
 *
 * @example
 * ```ts
 * checkActivation(x, 3, "input"); // throws ResNetError invalid_input unless x is [N, H, W, 3]
 * ```
 */
export function checkActivation(x: tf.Tensor, channels: number, what: string): void {
  if (x.rank !== 4 || x.shape[3] !== channels) {
    throw new ResNetError("invalid_input", `${what} must be NHWC [N, H, W, ${channels}], got [${x.shape}]`);
  }
}

/**
 * Run body stages `from` (inclusive) to `to` (inclusive) by index. Call inside tf.tidy.
 *
 * @example
 * ```ts
 * const h = tf.tidy(() => runBody(ctx, x, 0, 1)); // conv1 + bn1 (relu, max-pool)
 * ```
 */
export function runBody(ctx: ForwardContext, x: tf.Tensor4D, from: number, to: number): tf.Tensor4D {
  const stages = bodyStages(ctx.plan);
  let h = x;
  for (let i = from; i <= to; i++) h = runStage(ctx, h, stages[i]!);
  return h;
}

/**
 * Global average pool then fc. Call inside tf.tidy.
 *
 * @example
 * ```ts
 * const { features, logits } = runHead(ctx, h);
 * ```
 */
export function runHead(ctx: ForwardContext, h: tf.Tensor4D): ForwardResult {
  const features = tf.mean(h, [1, 2]) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(features, ctx.weight("fc.weight") as tf.Tensor2D), ctx.weight("fc.bias"));
  return { features, logits: logits as tf.Tensor2D };
}

/**
 * tf.tidy for a {@link ForwardResult}: keeps features and logits, frees every intermediate.
 *
 * @example
 * ```ts
 * const r = tidyResult(() => runHead(ctx, runBody(ctx, x, 0, 5)));
 * ```
 */
export function tidyResult(fn: () => ForwardResult): ForwardResult {
  const [features, logits] = tf.tidy(() => {
    const r = fn();
    return [r.features, r.logits];
  });
  return { features: features as tf.Tensor2D, logits: logits as tf.Tensor2D };
}

/**
 * `forwardFrom(h, stage)`: validate the activation, run the remaining stages and the head. Call inside tf.tidy.
 *
 * @example
 * ```ts
 * const r = tidyResult(() => continueFrom(ctx, h, "layer2"));
 * ```
 */
export function continueFrom(ctx: ForwardContext, h: tf.Tensor4D, stage: BodyStageName): ForwardResult {
  const i = stageIndex(ctx.plan, stage);
  checkActivation(h, channelsAfter(ctx.plan, stage), `activation after ${stage}`);
  return runHead(ctx, runBody(ctx, h, i + 1, bodyStages(ctx.plan).length - 1));
}
