import * as tf from "@tensorflow/tfjs-core";
import { ResNetError } from "../errors.js";
import {
  type ForwardOptions,
  type ForwardResult,
  type ModelSummary,
  type ResNet,
  type ResNetConfig,
  STAGE_NAMES,
  type StageName,
} from "../types.js";
import {
  type BodyStageName,
  bodyStages,
  checkActivation,
  continueFrom,
  type ForwardContext,
  runBody,
  runHead,
  stageIndex,
  tidyResult,
} from "./forward-pass.js";
import { type InitMode, initialValue, randomSeed } from "./init.js";
import { fcParams, type NetworkPlan, networkPlan, type ParamSpec, paramSpecs } from "./plan.js";
import { saveResNet } from "./save-model.js";
import { summarize } from "./summary.js";
import { assignWeights } from "./weight-assign.js";

let modelCounter = 0;
// tfjs keeps variables in a process-global registry keyed by name; a second copy of this module (bundlers, test
// runners) would restart the counter, so each module instance adds its own random tag.
const MODULE_TAG = Math.random().toString(36).slice(2, 8);

/** Construction options beyond the config: the seed, and zeros for models about to receive a checkpoint. */
export interface BuildOptions {
  seed?: number;
  init?: InitMode;
}

/**
 * The ResNet implementation: tfjs-core ops over named `tf.Variable`s, keyed by torchvision names.
 * Construct it through `createResNet` or `loadResNet`.
 *
 * @example
 * ```ts
 * const model = new ResNetModel(archConfig("cifar_resnet20"), { seed: 1 });
 * ```
 */
export class ResNetModel implements ResNet {
  private readonly cfg: ResNetConfig;
  private plan: NetworkPlan;
  private specs: ParamSpec[];
  private readonly vars = new Map<string, tf.Variable>();
  private readonly frozen = new Set<StageName>();
  private readonly prefix = `residual_resnet_${MODULE_TAG}_${++modelCounter}`;
  private headVersion = 0;
  private disposed = false;

  constructor(config: ResNetConfig, build: BuildOptions = {}) {
    this.cfg = { ...config, layers: [...config.layers], planes: [...config.planes] };
    this.plan = networkPlan(this.cfg);
    this.specs = paramSpecs(this.cfg, this.plan);
    this.createVariables(this.specs, build.seed ?? randomSeed(), build.init ?? "random");
  }

  get config(): Readonly<ResNetConfig> {
    return this.cfg;
  }

  get featureDim(): number {
    return this.plan.featureDim;
  }

  private createVariables(specs: readonly ParamSpec[], seed: number, init: InitMode, offset = 0): void {
    specs.forEach((p, i) => {
      // Engine-wide variable names must be unique, so the torchvision name is prefixed per model (and head).
      const name = `${this.prefix}/${p.name}${p.stage === "fc" ? `#${this.headVersion}` : ""}`;
      const trainable = p.trainable && !this.frozen.has(p.stage);
      const v = tf.tidy(() => tf.variable(initialValue(p, seed, offset + i, init), trainable, name));
      this.vars.set(p.name, v);
    });
  }

  private alive(): void {
    if (this.disposed) throw new ResNetError("disposed", `${this.cfg.arch} model has been disposed`);
  }

  private context(training: boolean): ForwardContext {
    return {
      config: this.cfg,
      plan: this.plan,
      weight: (name) => this.vars.get(name)!,
      isFrozen: (stage) => this.frozen.has(stage),
      training,
    };
  }

  private checkInput(x: tf.Tensor): void {
    this.alive();
    checkActivation(x, this.cfg.inChannels, "input");
  }

  predict(x: tf.Tensor4D): tf.Tensor2D {
    this.checkInput(x);
    const ctx = this.context(false);
    return tf.tidy(() => runHead(ctx, runBody(ctx, x, 0, this.lastBody())).logits);
  }

  features(x: tf.Tensor4D): tf.Tensor2D {
    this.checkInput(x);
    return tf.tidy(() => tf.mean(runBody(this.context(false), x, 0, this.lastBody()), [1, 2]) as tf.Tensor2D);
  }

  forward(x: tf.Tensor4D, opts: ForwardOptions = {}): ForwardResult {
    this.checkInput(x);
    const ctx = this.context(opts.training ?? false);
    return tidyResult(() => runHead(ctx, runBody(ctx, x, 0, this.lastBody())));
  }

  forwardUntil(x: tf.Tensor4D, stage: BodyStageName, opts: ForwardOptions = {}): tf.Tensor4D {
    this.checkInput(x);
    const i = stageIndex(this.plan, stage);
    const ctx = this.context(opts.training ?? false);
    return tf.tidy(() => runBody(ctx, x, 0, i));
  }

  forwardFrom(h: tf.Tensor4D, stage: BodyStageName, opts: ForwardOptions = {}): ForwardResult {
    this.alive();
    const ctx = this.context(opts.training ?? false);
    return tidyResult(() => continueFrom(ctx, h, stage));
  }

  private lastBody(): number {
    return bodyStages(this.plan).length - 1;
  }

  resetClassifier(numClasses: number, seed?: number): void {
    this.alive();
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new ResNetError("invalid_options", `numClasses must be a positive integer, got ${numClasses}`);
    }
    for (const name of ["fc.weight", "fc.bias"]) {
      this.vars.get(name)?.dispose();
      this.vars.delete(name);
    }
    this.cfg.numClasses = numClasses;
    this.plan = networkPlan(this.cfg);
    this.specs = paramSpecs(this.cfg, this.plan);
    this.headVersion++;
    this.createVariables(
      fcParams(this.plan.featureDim, numClasses),
      seed ?? randomSeed(),
      "random",
      this.specs.length,
    );
  }

  freeze(stages: readonly StageName[]): void {
    this.setFrozen(stages, true);
  }

  unfreeze(stages: readonly StageName[]): void {
    this.setFrozen(stages, false);
  }

  freezeFirst(k: number): void {
    if (!Number.isInteger(k) || k < 0 || k > STAGE_NAMES.length) {
      throw new ResNetError(
        "invalid_stage",
        `freezeFirst expects an integer in 0..${STAGE_NAMES.length}, got ${k}`,
      );
    }
    this.setFrozen(STAGE_NAMES.slice(k), false);
    this.setFrozen(STAGE_NAMES.slice(0, k), true);
  }

  private setFrozen(stages: readonly StageName[], frozen: boolean): void {
    this.alive();
    const unknown = stages.filter((s) => !(STAGE_NAMES as readonly string[]).includes(s));
    if (unknown.length > 0) {
      throw new ResNetError("invalid_stage", `unknown stage(s) ${unknown}; expected some of ${STAGE_NAMES}`);
    }
    // Stages the model lacks (layer4 of a CIFAR net) hold no weights: freezing them is a no-op.
    const present = new Set(this.specs.map((p) => p.stage));
    for (const s of stages) {
      if (!present.has(s)) continue;
      if (frozen) this.frozen.add(s);
      else this.frozen.delete(s);
    }
    for (const p of this.specs) this.vars.get(p.name)!.trainable = p.trainable && !this.frozen.has(p.stage);
  }

  frozenStages(): StageName[] {
    return STAGE_NAMES.filter((s) => this.frozen.has(s));
  }

  trainableVariables(): tf.Variable[] {
    this.alive();
    return this.specs
      .filter((p) => p.trainable && !this.frozen.has(p.stage))
      .map((p) => this.vars.get(p.name)!);
  }

  trainableVariablesByStage(): Map<StageName, tf.Variable[]> {
    this.alive();
    const out = new Map<StageName, tf.Variable[]>();
    for (const p of this.specs) {
      if (!p.trainable || this.frozen.has(p.stage)) continue;
      const list = out.get(p.stage) ?? [];
      list.push(this.vars.get(p.name)!);
      out.set(p.stage, list);
    }
    return out;
  }

  namedWeights(): Map<string, tf.Variable> {
    this.alive();
    return new Map(this.specs.map((p) => [p.name, this.vars.get(p.name)!]));
  }

  loadWeights(weights: ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>): void {
    this.alive();
    assignWeights(this.namedWeights(), weights);
  }

  summary(inputSize = 224): ModelSummary {
    return summarize(this.cfg, this.plan, this.specs, this.frozenStages(), inputSize);
  }

  async save(destination: tf.io.IOHandler | string): Promise<tf.io.SaveResult> {
    this.alive();
    return saveResNet(this, destination);
  }

  dispose(): void {
    if (this.disposed) return;
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.disposed = true;
  }
}
