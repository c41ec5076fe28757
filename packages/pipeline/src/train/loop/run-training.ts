/**
 * The training loop: the freeze plan's phases, per-epoch train/val metrics, frozen-prefix caching (filled by ONNX
 * Runtime, see prefix-cache/phase-caches.ts), checkpoints (every epoch and every `checkpointEveryMs`, the latest two kept),
 * resume from the latest checkpoint, early stopping with the best weights restored, and abort.
 */

import { TransientError } from "../../errors.js";
import { BestWeights, bestCheckpointName } from "../checkpoints/best-weights.js";
import {
  type EpochRecord,
  type LoopState,
  loadLatestCheckpoint,
  saveCheckpoint,
} from "../checkpoints/checkpoint.js";
import { pruneCheckpoints } from "../checkpoints/checkpoint-prune.js";
import { createPhaseCaches, type PhaseCaches } from "../prefix-cache/phase-caches.js";
import { evaluateExamples } from "../reports/evaluate.js";
import { earlyStopping } from "./early-stopping.js";
import { epochBatches } from "./epoch-batches.js";
import { frozenPrefixEnd, phaseAt, type ResolvedPhase, resolveFreezePhases } from "./freeze-phases.js";
import { stepLearningRate } from "./lr-schedule.js";
import { type BatchInput, createStepEngine, type StepEngine } from "./step-engine.js";
import type { RunTrainingOptions, TrainingProgress, TrainingResult } from "./training-types.js";

export type { RunTrainingOptions, TrainingProgress, TrainingResult } from "./training-types.js";

interface Session {
  o: RunTrainingOptions;
  phases: ResolvedPhase[];
  engine: StepEngine;
  phase?: ResolvedPhase;
  caches?: PhaseCaches;
  best: BestWeights;
  state: LoopState;
  lastCheckpoint: number;
  /** Global step of the last checkpoint. */
  lastCheckpointStep?: number;
  seenImages: number;
  started: number;
}

function freshState(): LoopState {
  return {
    epoch: 0,
    step: 0,
    globalStep: 0,
    history: [],
    partial: { lossSum: 0, count: 0, top1: 0, top5: 0 },
    early: { best: null, bestEpoch: -1, bad: 0 },
    stopped: false,
  };
}

/** Apply the freeze state, optimizer groups and caches of the phase that covers `epoch` (no-op if unchanged). */
async function enterPhase(s: Session, epoch: number): Promise<void> {
  const phase = phaseAt(s.phases, epoch);
  if (s.phase?.index === phase.index) return;
  const { model, spec, data } = s.o;
  model.unfreeze(phase.trainable);
  model.freeze(phase.frozen);
  const stage = s.o.cache === false ? undefined : frozenPrefixEnd(phase, spec.arch);
  if (stage !== s.caches?.stage) {
    // The cache is computed from the model's weights: bring the engine's in first.
    s.engine.syncToModel();
    // Unfreezing into the cached prefix (or moving it) invalidates every cached activation.
    await s.caches?.dispose();
    s.caches = stage
      ? await createPhaseCaches(model, stage, data, {
          views: data.augment ? (s.o.augmentViews ?? 4) : 1,
          ...(s.o.cacheBudgetBytes !== undefined ? { budgetBytes: s.o.cacheBudgetBytes } : {}),
          ...(s.o.prefixEngine ? { engine: s.o.prefixEngine } : {}),
          ...(s.o.log ? { log: s.o.log } : {}),
          ...(s.o.prefixThreads ? { threads: s.o.prefixThreads } : {}),
        })
      : undefined;
  }
  const cached = s.caches ? { stage: s.caches.stage, size: s.caches.train.shape[0] } : undefined;
  await s.engine.setPhase(phase, cached);
  s.phase = phase;
}

/** Cached activations (a tensor the caller disposes) or the loader's pixels. */
async function stepInput(s: Session, ix: number[], epoch: number): Promise<BatchInput> {
  if (s.caches)
    return s.engine.wantsFloats ? s.caches.train.floats(ix, epoch) : s.caches.train.batch(ix, epoch);
  return s.o.data.train.load(ix, s.o.data.augment ? epoch : undefined);
}

function progress(s: Session, type: TrainingProgress["type"], steps: number, loss: number, lr: number) {
  const { epochs } = s.o.spec;
  const elapsed = (Date.now() - s.started) / 1000;
  const rate = elapsed > 0 ? s.seenImages / elapsed : 0;
  const remaining = (epochs - s.state.epoch) * s.o.data.train.size - s.state.step * s.o.spec.batchSize;
  s.o.onProgress?.({
    type,
    epoch: s.state.epoch,
    epochs,
    step: s.state.step,
    steps,
    phase: s.phase?.index ?? 0,
    loss,
    lr,
    imagesPerSec: rate,
    etaSeconds: rate > 0 ? Math.max(0, remaining) / rate : 0,
  });
}

async function checkpoint(s: Session, steps: number): Promise<void> {
  const { store, checkpointPrefix } = s.o;
  if (!store || checkpointPrefix === undefined) return;
  s.engine.syncToModel();
  await saveCheckpoint(store, checkpointPrefix, s.o.model, s.engine, {
    seed: s.o.spec.seed,
    phase: s.phase?.index ?? 0,
    state: s.state,
  });
  s.lastCheckpoint = Date.now();
  s.lastCheckpointStep = s.state.globalStep;
  progress(s, "checkpoint", steps, Number.NaN, Number.NaN);
  const { bestEpoch } = s.state.early;
  try {
    // Keep the latest two (and the early-stopping best, which the end of training may restore).
    await pruneCheckpoints(store, checkpointPrefix, {
      keep: 2,
      protect: s.o.spec.earlyStopping && bestEpoch >= 0 ? [bestCheckpointName(bestEpoch)] : [],
    });
  } catch (err) {
    // Old checkpoints only cost storage (and the lifecycle rule expires them); never fail training over them.
    (s.o.log ?? console.warn)(`checkpoint pruning under ${checkpointPrefix} failed: ${String(err)}`);
  }
}

async function trainEpoch(s: Session, epoch: number): Promise<number> {
  const { spec, data, signal } = s.o;
  const batches = epochBatches(data.train.size, spec.batchSize, spec.seed, epoch);
  const schedule = {
    baseLr: spec.lr,
    epochs: spec.epochs,
    warmupEpochs: spec.warmupEpochs,
    schedule: spec.schedule,
  };
  let lr = stepLearningRate(schedule, epoch, s.state.step, batches.length);
  for (let step = s.state.step; step < batches.length; step++) {
    if (signal?.aborted) {
      // Stopping loses nothing: the steps since the last checkpoint are saved before the job is handed back.
      if (s.state.step > 0 && s.lastCheckpointStep !== s.state.globalStep)
        await checkpoint(s, batches.length);
      throw new TransientError("training_aborted", `training aborted at epoch ${epoch} step ${step}`);
    }
    const ix = batches[step]!;
    lr = stepLearningRate(schedule, epoch, step, batches.length);
    const x = await stepInput(s, ix, epoch);
    try {
      const labels = ix.map((i) => data.train.labels[i]!);
      const r = await s.engine.step({ x, labels, lr, labelSmoothing: spec.labelSmoothing });
      const p = s.state.partial;
      s.state.partial = {
        lossSum: p.lossSum + r.loss * ix.length,
        count: p.count + ix.length,
        top1: p.top1 + r.top1,
        top5: p.top5 + r.top5,
      };
      s.state.step = step + 1;
      s.state.globalStep++;
      s.seenImages += ix.length;
      progress(s, "step", batches.length, r.loss, lr);
    } finally {
      if (!(x instanceof Float32Array)) x.dispose();
    }
    if (Date.now() - s.lastCheckpoint >= (s.o.checkpointEveryMs ?? 600_000) && step + 1 < batches.length) {
      await checkpoint(s, batches.length);
    }
  }
  return lr;
}

async function finishEpoch(s: Session, epoch: number, lr: number, began: number): Promise<boolean> {
  const { model, data, spec } = s.o;
  const k = data.classNames.length;
  const val = await evaluateExamples(model, data.val, k, {
    batchSize: spec.batchSize,
    cache: s.caches?.val,
    ...(s.engine.infer ? { infer: s.engine.infer } : {}),
  });
  const p = s.state.partial;
  const seconds = (Date.now() - began) / 1000;
  const rec: EpochRecord = {
    epoch,
    phase: s.phase?.index ?? 0,
    lr,
    trainLoss: p.count ? p.lossSum / p.count : 0,
    trainTop1: p.count ? p.top1 / p.count : 0,
    ...(k >= 5 ? { trainTop5: p.count ? p.top5 / p.count : 0 } : {}),
    valLoss: val.loss,
    valTop1: val.top1,
    ...(val.top5 !== undefined ? { valTop5: val.top5 } : {}),
    seconds,
    imagesPerSec: seconds > 0 ? p.count / seconds : 0,
  };
  s.state.history.push(rec);
  const { early, stop } = earlyStopping(spec.earlyStopping, s.state.early, rec);
  s.state.early = early;
  if (spec.earlyStopping && early.bestEpoch === epoch) {
    s.engine.syncToModel();
    s.best.snapshot(model, epoch);
  }
  s.state = {
    ...s.state,
    epoch: epoch + 1,
    step: 0,
    partial: { lossSum: 0, count: 0, top1: 0, top5: 0 },
    stopped: stop,
  };
  s.o.onProgress?.({
    type: "epoch",
    epoch,
    epochs: spec.epochs,
    step: 0,
    steps: 0,
    phase: rec.phase,
    loss: rec.trainLoss,
    lr,
    imagesPerSec: rec.imagesPerSec,
    etaSeconds: 0,
    record: rec,
  });
  await checkpoint(s, 0);
  return stop;
}

/** With early stopping, put the best epoch's weights back (unless the last epoch was the best). */
async function restoreBest(s: Session): Promise<number | undefined> {
  const { bestEpoch } = s.state.early;
  if (!s.o.spec.earlyStopping || bestEpoch < 0) return undefined;
  if (bestEpoch === s.state.history.at(-1)?.epoch) return bestEpoch;
  const { store, checkpointPrefix: prefix } = s.o;
  const source = store && prefix !== undefined ? { store, prefix } : undefined;
  if (await s.best.restore(s.o.model, bestEpoch, source)) return bestEpoch;
  (s.o.log ?? console.warn)(`early stopping: weights of best epoch ${bestEpoch} not found; keeping the last`);
  return undefined;
}

/** The validation pass that collects logits and features for the end-of-training reports, on the run's engine. */
async function collectFinal(s: Session) {
  const { model, data, spec } = s.o;
  if (s.o.spec.earlyStopping) s.engine.loadFromModel();
  return evaluateExamples(model, data.val, data.classNames.length, {
    batchSize: spec.batchSize,
    cache: s.caches?.val,
    collect: true,
    ...(s.engine.infer ? { infer: s.engine.infer } : {}),
  });
}

/**
 * Train `model` in place by `spec` on `data`. Resumes from the latest checkpoint under `checkpointPrefix` when
 * there is one (same epochs, same history). Aborting (`signal`) throws TransientError `training_aborted` between
 * steps; the job can resume from its last checkpoint. With early stopping configured, the model ends holding the
 * weights of the best epoch by the monitored metric (`restoredBestEpoch`), whether or not patience ran out.
 *
 * @example
 * const result = await runTraining({ model, spec, data, store, checkpointPrefix: "jobs/j1/checkpoints/" });
 * result.history.at(-1)?.valTop1;
 */
export async function runTraining(o: RunTrainingOptions): Promise<TrainingResult> {
  const log = o.log ?? console.warn;
  const engine = createStepEngine(o.model, {
    ...(o.engine ? { engine: o.engine } : {}),
    ...(o.engineThreads ? { threads: o.engineThreads } : {}),
    weightDecay: o.spec.weightDecay,
    optimizer: o.spec.optimizer,
    momentum: o.spec.momentum,
    batchSize: o.spec.batchSize,
    imageSize: o.data.train.imageSize,
    numClasses: o.data.classNames.length,
    log,
  });
  const s: Session = {
    o,
    phases: resolveFreezePhases(o.spec.freeze, o.spec.arch, o.spec.epochs),
    engine,
    state: freshState(),
    lastCheckpoint: Date.now(),
    seenImages: 0,
    started: Date.now(),
    best: new BestWeights(),
  };
  try {
    const ckpt =
      o.store && o.checkpointPrefix !== undefined
        ? await loadLatestCheckpoint(o.store, o.checkpointPrefix, o.model, engine)
        : undefined;
    if (ckpt) s.state = ckpt.state;
    const resumedFrom = ckpt ? { epoch: ckpt.state.epoch, step: ckpt.state.step } : undefined;
    while (s.state.epoch < o.spec.epochs && !s.state.stopped) {
      const epoch = s.state.epoch;
      await enterPhase(s, epoch);
      const began = Date.now();
      const lr = await trainEpoch(s, epoch);
      if (await finishEpoch(s, epoch, lr, began)) break;
    }
    engine.syncToModel();
    const restoredBestEpoch = await restoreBest(s);
    const finalEval = o.collectFinal ? await collectFinal(s) : undefined;
    return {
      engine: { name: engine.name, threads: engine.threads },
      ...(finalEval ? { finalEval } : {}),
      history: s.state.history,
      epochsRun: s.state.history.length,
      stoppedEarly: s.state.stopped,
      ...(resumedFrom ? { resumedFrom } : {}),
      ...(restoredBestEpoch !== undefined ? { restoredBestEpoch } : {}),
      ...(s.caches
        ? {
            cachedStage: s.caches.stage,
            cachePrecision: s.caches.train.precision,
            cacheEngine: s.caches.runner.engine,
          }
        : {}),
    };
  } finally {
    await engine.dispose();
    s.best.clear();
    await s.caches?.dispose();
  }
}
