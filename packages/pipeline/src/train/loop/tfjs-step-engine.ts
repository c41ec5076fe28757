/** The tfjs step engine: autodiff on the active backend and the GroupOptimizer (the GPU container's path). */
import type { ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import type { BodyStage } from "../prefix-cache/prefix-cache.js";
import type { ResolvedPhase } from "./freeze-phases.js";
import { GroupOptimizer, type OptimizerState } from "./group-optimizer.js";
import { paramGroups } from "./param-groups.js";
import type { CachedInput, EngineStep, StepEngine, StepEngineOptions } from "./step-engine.js";
import { type StepResult, trainStep } from "./train-step.js";

export class TfjsStepEngine implements StepEngine {
  readonly name = "tfjs";
  readonly threads: number;
  private readonly optimizer: GroupOptimizer;
  private stage: BodyStage | undefined;

  constructor(
    private readonly model: ResNet,
    private readonly o: StepEngineOptions,
  ) {
    this.optimizer = new GroupOptimizer({ kind: o.optimizer, momentum: o.momentum });
    this.threads = 1;
  }

  readonly wantsFloats = false;

  async setPhase(phase: ResolvedPhase, cached?: CachedInput): Promise<void> {
    this.optimizer.setGroups(paramGroups(this.model, phase, this.o.weightDecay));
    this.stage = cached?.stage;
  }

  async step(input: EngineStep): Promise<StepResult> {
    const owned = input.x instanceof Float32Array;
    const x = owned ? this.tensor(input.x as Float32Array, input.labels.length) : (input.x as tf.Tensor4D);
    try {
      return await trainStep(this.model, this.optimizer, {
        x,
        stage: this.stage,
        labels: input.labels,
        numClasses: this.o.numClasses,
        lr: input.lr,
        labelSmoothing: input.labelSmoothing,
      });
    } finally {
      if (owned) x.dispose();
    }
  }

  private tensor(pixels: Float32Array, n: number): tf.Tensor4D {
    const c = pixels.length / (n * this.o.imageSize * this.o.imageSize);
    return tf.tensor4d(pixels, [n, this.o.imageSize, this.o.imageSize, c]);
  }

  syncToModel(): void {}

  loadFromModel(): void {}

  getState(): OptimizerState {
    return this.optimizer.getState();
  }

  setState(state: OptimizerState, shapes: ReadonlyMap<string, number[]>): void {
    this.optimizer.setState(state, shapes);
  }

  async dispose(): Promise<void> {
    this.optimizer.dispose();
  }
}
