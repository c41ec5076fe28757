/**
 * The wasm step engine: Residual's training engine from @residual/resnet, compiled per phase (trainable stages
 * and cached input stage) and carrying the optimizer state across phases and checkpoints in the GroupOptimizer
 * format, so checkpoints do not depend on which engine wrote them.
 */
import {
  copyWeightsToModel,
  copyWeightsToTrainer,
  type ResNet,
  type StageName,
  trainerForModel,
  type WasmTrainer,
} from "@residual/resnet";
import { topkCounts } from "../reports/metrics.js";
import type { ResolvedPhase } from "./freeze-phases.js";
import type { OptimizerState } from "./group-optimizer.js";
import { paramGroups } from "./param-groups.js";
import type { BatchInput, CachedInput, EngineStep, StepEngine, StepEngineOptions } from "./step-engine.js";
import type { StepResult } from "./train-step.js";

async function floats(x: BatchInput): Promise<Float32Array> {
  return x instanceof Float32Array ? x : ((await x.data()) as Float32Array);
}

export class WasmStepEngine implements StepEngine {
  readonly name = "wasm";
  private trainer: WasmTrainer | undefined;
  private key = "";
  /** Optimizer state of every parameter seen so far (the live trainer's is fresher for its own). */
  private carried: OptimizerState;
  private logged = false;

  constructor(
    private readonly model: ResNet,
    private readonly o: StepEngineOptions,
  ) {
    this.carried = { kind: o.optimizer, params: {} };
  }

  get threads(): number {
    return this.trainer?.threads ?? this.o.threads ?? 0;
  }

  readonly wantsFloats = true;

  async setPhase(phase: ResolvedPhase, cached?: CachedInput): Promise<void> {
    const key = `${[...phase.trainable].sort().join(",")}|${cached?.stage ?? ""}|${cached?.size ?? ""}`;
    if (key !== this.key) {
      await this.close();
      this.trainer = await trainerForModel(this.model, {
        imageSize: this.o.imageSize,
        batch: this.o.batchSize,
        trainable: new Set<StageName>(phase.trainable),
        ...(cached ? { from: cached.stage, inputSize: cached.size } : {}),
        ...(this.o.threads ? { threads: this.o.threads } : {}),
        optimizer: { kind: this.o.optimizer, momentum: this.o.momentum },
      });
      this.trainer.setOptimizerState(this.carried);
      this.key = key;
      if (!this.logged) {
        this.o.log(
          `training engine: wasm (${this.trainer.threads} threads, ${this.trainer.engine.fma ? "FMA" : "SIMD"})`,
        );
        this.logged = true;
      }
    }
    const groups = paramGroups(this.model, phase, this.o.weightDecay);
    this.trainer!.setGroups(
      groups.map((g) => ({ names: g.names, lrScale: g.lrScale, weightDecay: g.weightDecay })),
    );
  }

  private live(): WasmTrainer {
    if (!this.trainer) throw new Error("wasm step engine: setPhase was not called");
    return this.trainer;
  }

  async step(input: EngineStep): Promise<StepResult> {
    const r = this.live().step(await floats(input.x), input.labels, input.lr, input.labelSmoothing);
    return { loss: r.loss, ...topkCounts(r.logits, input.labels, this.o.numClasses) };
  }

  readonly infer = async (x: BatchInput, n: number) => this.live().evaluate(await floats(x), n);

  syncToModel(): void {
    if (this.trainer) copyWeightsToModel(this.trainer, this.model);
  }

  loadFromModel(): void {
    if (this.trainer) copyWeightsToTrainer(this.model, this.trainer);
  }

  getState(): OptimizerState {
    if (!this.trainer) return this.carried;
    const live = this.trainer.getOptimizerState();
    return { kind: live.kind, params: { ...this.carried.params, ...live.params } };
  }

  setState(state: OptimizerState): void {
    this.carried = state;
    this.trainer?.setOptimizerState(state);
  }

  /** Keeps the state and weights of the trainer being replaced. */
  private async close(): Promise<void> {
    if (!this.trainer) return;
    this.syncToModel();
    this.carried = this.getState();
    await this.trainer.dispose();
    this.trainer = undefined;
  }

  /** Frees the engine; the model keeps what it holds (the loop syncs before it restores or publishes). */
  async dispose(): Promise<void> {
    await this.trainer?.dispose();
    this.trainer = undefined;
  }
}
