// The trainer of @residual/pipeline: job spec, training loop, job runner, metrics. Explicit exports only.

export { epochLine, progressRenderer, trainingProgressBar } from "../local/training-progress.js";
export type { BestWeightsSource } from "./checkpoints/best-weights.js";
export { BestWeights, bestCheckpointName } from "./checkpoints/best-weights.js";
export type { Checkpoint, EpochRecord, LoopState } from "./checkpoints/checkpoint.js";
export {
  CHECKPOINT_TAGS,
  checkpointName,
  loadCheckpointWeights,
  loadLatestCheckpoint,
  readLatestManifest,
  saveCheckpoint,
} from "./checkpoints/checkpoint.js";
export type { PruneOptions } from "./checkpoints/checkpoint-prune.js";
export { pruneCheckpoints } from "./checkpoints/checkpoint-prune.js";
export type { DatasetImageSetOptions } from "./dataset-image-sets.js";
export { datasetTrainingData } from "./dataset-image-sets.js";
export type { ImageSet, TrainingData } from "./image-sets.js";
export { inMemoryImageSet } from "./image-sets.js";
export type { EarlyStoppingSpec, FreezePhaseSpec, FreezeSpec, JobSpec, ScheduleSpec } from "./job-spec.js";
export { parseJobSpec } from "./job-spec.js";
export type { ResolvedPhase } from "./loop/freeze-phases.js";
export {
  archStages,
  frozenPrefixEnd,
  phaseAt,
  resolveFreezePhases,
  validateFreezeSpec,
} from "./loop/freeze-phases.js";
export type { OptimizerOptions, OptimizerState, ParamGroup } from "./loop/group-optimizer.js";
export { GroupOptimizer } from "./loop/group-optimizer.js";
export { smoothedCrossEntropy } from "./loop/loss.js";
export type { LrScheduleOptions } from "./loop/lr-schedule.js";
export { learningRate, stepLearningRate } from "./loop/lr-schedule.js";
export { paramGroups } from "./loop/param-groups.js";
export type { RunTrainingOptions, TrainingProgress, TrainingResult } from "./loop/run-training.js";
export { runTraining } from "./loop/run-training.js";
export { withFallback } from "./prefix-cache/fallback-runner.js";
export type { PhaseCaches, PhaseCachesOptions } from "./prefix-cache/phase-caches.js";
export { createPhaseCaches } from "./prefix-cache/phase-caches.js";
export type { BodyStage, PrefixCacheOptions } from "./prefix-cache/prefix-cache.js";
export { PrefixCache } from "./prefix-cache/prefix-cache.js";
export type { PrefixEngine, PrefixRunner, PrefixRunnerOptions } from "./prefix-cache/prefix-runner.js";
export { createPrefixRunner, isLastBodyStage } from "./prefix-cache/prefix-runner.js";
export type { ThreadCountBanditOptions } from "./prefix-cache/thread-count-bandit.js";
export { ThreadCountBandit } from "./prefix-cache/thread-count-bandit.js";
export { calibrationFile, computeCentroids, quantile } from "./reports/centroids.js";
export type { EvalOptions, EvalResult } from "./reports/evaluate.js";
export { evaluateExamples } from "./reports/evaluate.js";
export type { FinalMetrics } from "./reports/final-metrics.js";
export { finalMetrics } from "./reports/final-metrics.js";
export type { ClassificationReport, PerClassMetrics } from "./reports/metrics.js";
export { classificationReport, expectedCalibrationError, softmaxRows } from "./reports/metrics.js";
export { chartPngs, svgToPng } from "./reports/png-charts.js";
export { confusionMatrixSvg, trainingCurvesSvg } from "./reports/svg-charts.js";
export { fitTemperature, temperatureNll } from "./reports/temperature.js";
export type { TrainingJobOptions, TrainingJobResult } from "./run-training-job.js";
export { runTrainingJob } from "./run-training-job.js";
