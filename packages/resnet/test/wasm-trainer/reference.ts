/**
 * The tfjs reference for the engine's tests: one training step of a ResNet through tfjs autodiff on the cpu
 * backend (loss as torch's label-smoothed cross-entropy), and helpers that feed the same weights to the engine.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import {
  type ArchName,
  archConfig,
  createResNet,
  ensureGradients,
  type ResNet,
  type StageName,
  WasmTrainer,
  type WasmTrainerOptions,
} from "@residual/resnet";
import { networkPlan, ResNetModel } from "@residual/resnet/testing";

export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
  await ensureGradients();
}

/** A model whose norms are not the identity (γ in [lo, hi], β in ±0.2), so every BatchNorm path is exercised. */
export function perturbedModel(
  arch: ArchName,
  seed: number,
  gamma: [number, number] = [0.5, 1.5],
  layers?: number[],
): ResNet {
  const model = layers
    ? new ResNetModel({ ...archConfig(arch, { numClasses: 10 }), layers }, { seed })
    : createResNet(arch, { numClasses: 10, seed });
  let s = seed * 10;
  for (const [name, v] of model.namedWeights()) {
    if (v.rank !== 1 || name.startsWith("fc")) continue;
    if (name.endsWith(".weight")) v.assign(tf.randomUniform(v.shape, gamma[0], gamma[1], "float32", ++s));
    if (name.endsWith(".bias")) v.assign(tf.randomUniform(v.shape, -0.2, 0.2, "float32", ++s));
  }
  return model;
}

export function weightsOf(model: ResNet): Map<string, Float32Array> {
  return new Map([...model.namedWeights()].map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
}

export function inputs(n: number, size: number, channels: number, seed: number) {
  const x = tf.tidy(() => tf.randomNormal([n, size, size, channels], 0, 1, "float32", seed).dataSync());
  const labels = Array.from({ length: n }, (_, i) => (i * 3 + seed) % 10);
  return { x: Float32Array.from(x), labels };
}

/** Loss, logits and gradients (by name) of one training-mode step in tfjs; running statistics update in place. */
export function tfjsStep(model: ResNet, x: Float32Array, labels: number[], size: number, smoothing: number) {
  const frozen = new Set<string>();
  for (const [stage] of model.trainableVariablesByStage()) frozen.add(stage);
  const nameOf = new Map([...model.namedWeights()].map(([n, v]) => [v.name, n]));
  const vars = [...model.trainableVariablesByStage().values()].flat();
  const xt = tf.tensor4d(x, [labels.length, size, size, model.config.inChannels]);
  const y = tf.tensor1d(labels, "int32");
  let logits: tf.Tensor | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(xt, { training: true });
    logits = tf.keep(out.logits);
    const logp = tf.logSoftmax(out.logits);
    const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(y, model.config.numClasses), logp), 1));
    const uniform = tf.neg(tf.mean(logp, 1));
    return tf.mean(tf.add(tf.mul(nll, 1 - smoothing), tf.mul(uniform, smoothing))) as tf.Scalar;
  }, vars);
  const out = {
    loss: value.dataSync()[0]!,
    logits: Float32Array.from(logits!.dataSync()),
    grads: new Map(Object.entries(grads).map(([k, g]) => [nameOf.get(k)!, Float32Array.from(g.dataSync())])),
  };
  tf.dispose([xt, y, value, logits!, ...Object.values(grads)]);
  return out;
}

/** A trainer for `model`'s plan with its weights, every parameter in one group (lr scale 1, no decay). */
export async function trainerFor(
  model: ResNet,
  o: Partial<WasmTrainerOptions> & { batch: number; inputSize: number; trainable: ReadonlySet<StageName> },
): Promise<WasmTrainer> {
  const t = await WasmTrainer.create({
    plan: networkPlan(model.config as never),
    bnEps: model.config.bnEps,
    bnMomentum: model.config.bnMomentum,
    inputChannels: model.config.inChannels,
    optimizer: { kind: "sgd" },
    threads: 2,
    ...o,
  });
  t.setWeights(weightsOf(model));
  t.setGroups([{ names: t.names(), lrScale: 1, weightDecay: 0 }]);
  return t;
}

/** ‖a − b‖ / ‖b‖. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}
