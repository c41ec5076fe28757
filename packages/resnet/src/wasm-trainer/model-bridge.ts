/**
 * Between a tfjs {@link ResNet} (the model of record) and the wasm training engine: whether the engine can train
 * it, the engine's input size after a cached stage, and weight copies both ways.
 */
import * as tf from "@tensorflow/tfjs-core";
import { ResNetError } from "../errors.js";
import { networkPlan } from "../model/plan.js";
import type { ResNet, ResNetConfig } from "../types.js";
import type { BodyStage } from "./network-graph.js";
import { WasmTrainer, type WasmTrainerOptions } from "./wasm-trainer.js";

/**
 * Why the engine cannot train `config`, or undefined when it can: it runs BatchNorm ResNets without grouped
 * convolutions whose conv widths are multiples of 8 (every torchvision ResNet, Wide ResNet and CIFAR ResNet).
 *
 * @example
 * wasmTrainerSupport(model.config); // undefined for resnet18; "grouped convolutions (groups 32)" for ResNeXt
 */
export function wasmTrainerSupport(config: Readonly<ResNetConfig>): string | undefined {
  if (config.norm !== "batch") return `${config.norm} normalisation`;
  if (config.groups !== 1) return `grouped convolutions (groups ${config.groups})`;
  const plan = networkPlan(config as ResNetConfig);
  for (const st of plan.stages)
    for (const b of st.blocks)
      for (const c of [...b.convs, ...(b.downsample ? [b.downsample.conv] : [])]) {
        if (c.outChannels % 8 !== 0 || c.inChannels % 8 !== 0)
          return `${c.name} is ${c.inChannels}→${c.outChannels}`;
      }
  if (plan.stem.outChannels % 8 !== 0) return `conv1 has ${plan.stem.outChannels} outputs`;
  return undefined;
}

function convOut(size: number, k: number, s: number, p: number): number {
  return Math.floor((size + 2 * p - k) / s) + 1;
}

/**
 * Height = width of the activation after `stage` for `imageSize` images (the engine's input when it starts
 * after a cached prefix); `imageSize` itself when `stage` is undefined.
 *
 * @example
 * activationSize(model.config, 224, "layer2"); // 28
 */
export function activationSize(config: Readonly<ResNetConfig>, imageSize: number, stage?: BodyStage): number {
  if (stage === undefined) return imageSize;
  const plan = networkPlan(config as ResNetConfig);
  let s = convOut(imageSize, plan.stem.kernel, plan.stem.stride, plan.stem.pad);
  if (stage === "conv1") return s;
  if (plan.maxPool) s = convOut(s, 3, 2, 1);
  if (stage === "bn1") return s;
  for (const st of plan.stages) {
    for (const b of st.blocks) {
      const c = b.convs.find((x) => x.stride > 1) ?? b.convs[0]!;
      s = convOut(s, c.kernel, c.stride, c.pad);
    }
    if (st.name === stage) return s;
  }
  throw new ResNetError("invalid_stage", `stage ${stage} is not a body stage of ${config.arch}`);
}

/**
 * Options for training `model` on the engine: its plan, norm constants and input.
 * @example
 * const trainer = await trainerForModel(model, { batchSize: 32 } as TrainerModelOptions);
 */
export type TrainerModelOptions = Omit<
  WasmTrainerOptions,
  "plan" | "bnEps" | "bnMomentum" | "inputChannels" | "inputSize"
> & {
  imageSize: number;
  /**
   * Height = width of the input when it is not the activation `from` produces at `imageSize`: 1 for pooled
   * features after the last body stage (global pooling of a 1×1 map is the identity).
   */
  inputSize?: number;
};

/**
 * A trainer for `model` holding a copy of its current weights (the stages the engine runs).
 *
 * @example
 * const t = await trainerForModel(model, { imageSize: 32, batch: 128, trainable: new Set(["layer3", "fc"]),
 *   optimizer: { kind: "sgd", momentum: 0.9 } });
 */
export async function trainerForModel(model: ResNet, o: TrainerModelOptions): Promise<WasmTrainer> {
  const reason = wasmTrainerSupport(model.config);
  if (reason)
    throw new ResNetError("trainer_unsupported", `wasm trainer: ${model.config.arch} has ${reason}`);
  const { imageSize, inputSize, ...rest } = o;
  const trainer = await WasmTrainer.create({
    ...rest,
    plan: networkPlan(model.config as ResNetConfig),
    bnEps: model.config.bnEps,
    bnMomentum: model.config.bnMomentum,
    inputChannels: model.config.inChannels,
    inputSize: inputSize ?? activationSize(model.config, imageSize, o.from),
  });
  try {
    copyWeightsToTrainer(model, trainer);
  } catch (err) {
    await trainer.dispose();
    throw err;
  }
  return trainer;
}

/**
 * Copies `model`'s weights (running statistics included) into the trainer.
 * @example
 * copyWeightsToTrainer(model, trainer);
 */
export function copyWeightsToTrainer(model: ResNet, trainer: WasmTrainer): void {
  const named = model.namedWeights();
  const values = new Map<string, Float32Array>();
  for (const name of trainer.names()) {
    const v = named.get(name);
    if (!v) throw new ResNetError("weights_mismatch", `wasm trainer: the model has no ${name}`);
    values.set(name, v.dataSync() as Float32Array);
  }
  trainer.setWeights(values);
}

/**
 * Copies the trainer's weights back into `model`'s variables (leaves no tensors behind).
 * @example
 * copyWeightsToModel(trainer, model);
 */
export function copyWeightsToModel(trainer: WasmTrainer, model: ResNet): void {
  const named = model.namedWeights();
  for (const [name, values] of trainer.getWeights()) {
    const v = named.get(name);
    if (!v) throw new ResNetError("weights_mismatch", `wasm trainer: the model has no ${name}`);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape, "float32")));
  }
}
