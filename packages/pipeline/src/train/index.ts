// The trainer of @residual/pipeline: job spec, training loop, job runner, metrics. Explicit exports only.

export type { BestWeightsSource } from "./best-weights.js";
export { BestWeights, bestCheckpointName } from "./best-weights.js";
export { calibrationFile, computeCentroids, quantile } from "./centroids.js";
export type { Checkpoint, EpochRecord, LoopState } from "./checkpoint.js";
export {
  CHECKPOINT_TAGS,
  checkpointName,
  loadCheckpointWeights,
  loadLatestCheckpoint,
  readLatestManifest,
  saveCheckpoint,
} from "./checkpoint.js";
export type { PruneOptions } from "./checkpoint-prune.js";
export { pruneCheckpoints } from "./checkpoint-prune.js";
export type { DatasetExamplesOptions } from "./dataset-examples.js";
export { datasetTrainingData } from "./dataset-examples.js";
export type { EvalOptions, EvalResult } from "./evaluate.js";
export { evaluateExamples } from "./evaluate.js";
export type { TrainingData, TrainingExamples } from "./examples.js";
export { inMemoryExamples } from "./examples.js";
export { withFallback } from "./fallback-runner.js";
export type { FinalMetrics } from "./final-metrics.js";
export { finalMetrics } from "./final-metrics.js";
export type { ResolvedPhase } from "./freeze-plan.js";
export {
  archStages,
  frozenPrefixEnd,
  phaseAt,
  resolveFreezePlan,
  validateFreezePlan,
} from "./freeze-plan.js";
export type { EarlyStoppingSpec, FreezePhaseSpec, FreezeSpec, JobSpec, ScheduleSpec } from "./job-spec.js";
export { parseJobSpec } from "./job-spec.js";
export { smoothedCrossEntropy } from "./loss.js";
export type { ClassificationReport, PerClassMetrics } from "./metrics.js";
export { classificationReport, expectedCalibrationError, softmaxRows } from "./metrics.js";
export type { OptimizerOptions, OptimizerState, ParamGroup } from "./optimizer.js";
export { GroupOptimizer } from "./optimizer.js";
export { paramGroups } from "./param-groups.js";
export type { PhaseCaches, PhaseCachesOptions } from "./phase-caches.js";
export { createPhaseCaches } from "./phase-caches.js";
export { chartPngs, svgToPng } from "./png-charts.js";
export type { BodyStage, PrefixCacheOptions } from "./prefix-cache.js";
export { PrefixCache } from "./prefix-cache.js";
export type { PrefixEngine, PrefixRunner, PrefixRunnerOptions } from "./prefix-runner.js";
export { createPrefixRunner, isLastBodyStage } from "./prefix-runner.js";
export { epochLine, progressBar, progressRenderer } from "./progress-render.js";
export type { RunTrainingOptions, TrainingProgress, TrainingResult } from "./run-training.js";
export { runTraining } from "./run-training.js";
export type { TrainingJobOptions, TrainingJobResult } from "./run-training-job.js";
export { checkpointPrefix, runTrainingJob } from "./run-training-job.js";
export type { LrScheduleOptions } from "./schedule.js";
export { learningRate, stepLearningRate } from "./schedule.js";
export { confusionMatrixSvg, trainingCurvesSvg } from "./svg-charts.js";
export { fitTemperature, temperatureNll } from "./temperature.js";
export type { ThreadChooserOptions } from "./thread-chooser.js";
export { ThreadChooser } from "./thread-chooser.js";
