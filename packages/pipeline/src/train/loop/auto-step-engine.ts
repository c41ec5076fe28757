/**
 * The `auto` engine: the wasm training engine, falling back to tfjs autodiff when a phase does not fit it (the
 * engine's one shared memory is capped at 4 GiB, so ResNet-50 at 224² with a large batch needs tfjs). The switch
 * keeps the weights and the optimizer state, is said in the log, and the run goes on.
 */
import { type ResNet, ResNetError } from "@residual/resnet";
import type { ResolvedPhase } from "./freeze-phases.js";
import type { OptimizerState } from "./group-optimizer.js";
import { weightShapes } from "./param-groups.js";
import type { CachedInput, EngineStep, StepEngine, StepEngineOptions } from "./step-engine.js";
import { TfjsStepEngine } from "./tfjs-step-engine.js";
import type { StepResult } from "./train-step.js";
import { WasmStepEngine } from "./wasm-step-engine.js";

export class AutoStepEngine implements StepEngine {
  private current: StepEngine;

  constructor(
    private readonly model: ResNet,
    private readonly o: StepEngineOptions,
  ) {
    this.current = new WasmStepEngine(model, o);
  }

  get name(): "tfjs" | "wasm" {
    return this.current.name;
  }

  get threads(): number {
    return this.current.threads;
  }

  get wantsFloats(): boolean {
    return this.current.wantsFloats;
  }

  get infer(): StepEngine["infer"] {
    return this.current.infer;
  }

  async setPhase(phase: ResolvedPhase, cached?: CachedInput): Promise<void> {
    try {
      await this.current.setPhase(phase, cached);
    } catch (e) {
      if (this.current.name !== "wasm" || !(e instanceof ResNetError) || e.code !== "trainer_unsupported")
        throw e;
      // The wasm engine synced the model and kept the optimizer state before it tried to build this phase.
      const state = this.current.getState();
      this.current.syncToModel();
      await this.current.dispose();
      this.o.log(`training engine: tfjs autodiff (the wasm engine cannot run this phase: ${e.message})`);
      this.current = new TfjsStepEngine(this.model, this.o);
      this.current.setState(state, weightShapes(this.model));
      await this.current.setPhase(phase, cached);
    }
  }

  step(input: EngineStep): Promise<StepResult> {
    return this.current.step(input);
  }

  syncToModel(): void {
    this.current.syncToModel();
  }

  loadFromModel(): void {
    this.current.loadFromModel();
  }

  getState(): OptimizerState {
    return this.current.getState();
  }

  setState(state: OptimizerState, shapes: ReadonlyMap<string, number[]>): void {
    this.current.setState(state, shapes);
  }

  dispose(): Promise<void> {
    return this.current.dispose();
  }
}
