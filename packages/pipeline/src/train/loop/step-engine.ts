/**
 * What runs a training step: tfjs autodiff with the GroupOptimizer (any backend; the GPU container's
 * tensorflow backend), or Residual's wasm training engine (the CPU path: every core, fused kernels, no tfjs op
 * per step). The loop talks only to this interface; {@link createStepEngine} picks one per run.
 */
import { type ResNet, wasmTrainerSupport } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { InvalidInputError } from "../../errors.js";
import type { BodyStage } from "../prefix-cache/prefix-cache.js";
import { AutoStepEngine } from "./auto-step-engine.js";
import type { ResolvedPhase } from "./freeze-phases.js";
import type { OptimizerState } from "./group-optimizer.js";
import { TfjsStepEngine } from "./tfjs-step-engine.js";
import type { StepResult } from "./train-step.js";
import { WasmStepEngine } from "./wasm-step-engine.js";

/** A batch: images (or cached activations after the phase's stage), NHWC, as a tensor or dense floats. */
export type BatchInput = tf.Tensor4D | Float32Array;

export interface CachedInput {
  stage: BodyStage;
  size: number;
}

export interface EngineStep {
  x: BatchInput;
  labels: number[];
  lr: number;
  labelSmoothing: number;
}

export interface StepEngine {
  readonly name: "tfjs" | "wasm";
  /** Threads computing a step. */
  readonly threads: number;
  /**
   * Enter a phase: its trainable stages and parameter groups, and, when the inputs are cached activations, the
   * stage they come after and their height = width (1 when the cache holds pooled features).
   */
  setPhase(phase: ResolvedPhase, cached?: CachedInput): Promise<void>;
  /** Whether step inputs should come as dense floats rather than tensors. */
  readonly wantsFloats: boolean;
  step(input: EngineStep): Promise<StepResult>;
  /** Inference-mode logits and pooled features of `n` inputs (undefined: evaluate through the tfjs model). */
  readonly infer?: (x: BatchInput, n: number) => Promise<{ logits: Float32Array; features: Float32Array }>;
  /** Make the tfjs model hold the engine's current weights (before checkpoints, snapshots, the end). */
  syncToModel(): void;
  /** Take the tfjs model's weights (after they were restored into it, e.g. the early-stopping best). */
  loadFromModel(): void;
  getState(): OptimizerState;
  setState(state: OptimizerState, shapes: ReadonlyMap<string, number[]>): void;
  dispose(): Promise<void>;
}

export interface StepEngineOptions {
  /** `auto`: the wasm engine when tfjs runs on wasm and the network is supported. @default "auto" */
  engine?: "auto" | "wasm" | "tfjs";
  /** Threads of the wasm engine. @default every core */
  threads?: number;
  /** Learning-rate base weight decay of the spec (parameter groups). */
  weightDecay: number;
  optimizer: "sgd" | "adamw";
  momentum: number;
  batchSize: number;
  imageSize: number;
  numClasses: number;
  log: (line: string) => void;
}

/**
 * The engine for training `model` on this process's tfjs backend: the wasm engine on the wasm backend when the
 * network allows (said once in the log), tfjs autodiff otherwise; `auto` also falls back to tfjs for a phase the
 * wasm engine cannot hold (its memory is capped at 4 GiB).
 *
 * @example
 * const engine = createStepEngine(model, { weightDecay: 1e-4, optimizer: "sgd", momentum: 0.9, batchSize: 128,
 *   imageSize: 32, numClasses: 10, log: console.log });
 */
export function createStepEngine(model: ResNet, o: StepEngineOptions): StepEngine {
  const want = o.engine ?? "auto";
  if (want !== "tfjs") {
    const reason =
      wasmTrainerSupport(model.config) ??
      (want === "auto" && tf.getBackend() !== "wasm" ? `the ${tf.getBackend()} backend` : undefined);
    if (!reason) return want === "auto" ? new AutoStepEngine(model, o) : new WasmStepEngine(model, o);
    if (want === "wasm")
      throw new InvalidInputError(
        "engine_unavailable",
        `the wasm training engine cannot train this model: ${reason} (use engine "auto" or "tfjs")`,
      );
    o.log(`training engine: tfjs autodiff (wasm engine not used: ${reason})`);
  }
  return new TfjsStepEngine(model, o);
}
