/** The training loop's options, progress events and result (the loop itself is run-training.ts). */
import type { ResNet } from "@residual/resnet";
import type { ObjectStore } from "../../store/object-store.js";
import type { EpochRecord } from "../checkpoints/checkpoint.js";
import type { TrainingData } from "../image-sets.js";
import type { JobSpec } from "../job-spec.js";
import type { PrefixEngine } from "../prefix-cache/prefix-runner.js";
import type { EvalResult } from "../reports/evaluate.js";

/**
 * A step, epoch or checkpoint event, for progress bars and logs.
 * @example
 * runTraining({ model, spec, data, onProgress: (p: TrainingProgress) => console.log(p.type, p.step) });
 */
export interface TrainingProgress {
  type: "step" | "epoch" | "checkpoint";
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  phase: number;
  loss: number;
  lr: number;
  imagesPerSec: number;
  etaSeconds: number;
  /** The finished epoch's record (type `epoch`). */
  record?: EpochRecord;
}

/** What runs a run's steps (see loop/step-engine.ts). */
export interface EngineChoice {
  /** The wasm training engine where it can run (tfjs on the wasm backend), or tfjs autodiff. @default "auto" */
  engine?: "auto" | "wasm" | "tfjs";
  /** Threads of the wasm training engine. @default every core */
  engineThreads?: number;
}

/** What {@link runTraining} trains, on what, and where its checkpoints go. */
export interface RunTrainingOptions extends EngineChoice {
  model: ResNet;
  spec: JobSpec;
  data: TrainingData;
  /** Where checkpoints go (with `checkpointPrefix`, e.g. `jobs/<id>/checkpoints/`); none without. */
  store?: ObjectStore;
  checkpointPrefix?: string;
  /** Mid-epoch checkpoint interval. @default 10 minutes */
  checkpointEveryMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: TrainingProgress) => void;
  /** Frozen-prefix cache. @default true */
  cache?: boolean;
  cacheBudgetBytes?: number;
  /** Augmented views per image kept in the cache (epoch e uses view e mod views). @default 4 */
  augmentViews?: number;
  /** What fills the cache: ONNX Runtime with a logged tfjs fallback (`auto`), or one of them. @default "auto" */
  prefixEngine?: PrefixEngine;
  /** ONNX Runtime intra-op threads for the prefix; unset: the faster of cores and 1, measured per batch. */
  prefixThreads?: number;
  /** Operational messages (prefix-engine fallback, failed checkpoint pruning). @default console.warn */
  log?: (line: string) => void;
  /** Also return the final validation pass with logits and features (`finalEval`), on the run's engine. */
  collectFinal?: boolean;
}

/** The history and how the run went (cache, resume, early stopping). */
export interface TrainingResult {
  history: EpochRecord[];
  epochsRun: number;
  stoppedEarly: boolean;
  resumedFrom?: { epoch: number; step: number };
  /** Stage the last phase cached activations after (undefined: no cache). */
  cachedStage?: string;
  cachePrecision?: "float32" | "float16";
  /** Engine that computed the cached prefix activations. */
  cacheEngine?: "onnx" | "tfjs";
  /** With early stopping: the epoch whose weights the model holds now (the best by the monitored metric). */
  restoredBestEpoch?: number;
  /** What ran the steps. */
  engine: { name: "tfjs" | "wasm"; threads: number };
  /** The final validation pass (with `collectFinal`). */
  finalEval?: EvalResult;
}
