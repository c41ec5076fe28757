/** End-of-training evaluation: the classification report, temperature, calibration and centroid files. */
import type { ResNet } from "@residual/resnet";
import type { Calibration, Centroids } from "../../registry/model-files.js";
import type { TrainingData } from "../image-sets.js";
import { calibrationFile, computeCentroids } from "./centroids.js";
import { type EvalResult, evaluateExamples } from "./evaluate.js";
import { type LabelThreshold, labelThresholds } from "./label-thresholds.js";
import { type ClassificationReport, classificationReport } from "./metrics.js";
import { fitTemperature } from "./temperature.js";

export interface FinalMetrics {
  /** Validation report at temperature 1. */
  val: ClassificationReport;
  temperature: number;
  /** ECE and NLL after temperature scaling. */
  calibratedEce: number;
  calibratedNll: number;
  centroids: Centroids;
  calibration: Calibration;
  /** Per label, the calibrated score threshold that maximises its validation F1 (and that F1). */
  labelThresholds: Record<string, LabelThreshold>;
}

/**
 * Evaluate `model` on the validation split (or take the pass the training run `collected`) and derive every
 * end-of-training artefact.
 *
 * @example
 * const m = await finalMetrics(model, data, 64);
 * m.val.perClass[0]?.f1;
 */
export async function finalMetrics(
  model: ResNet,
  data: TrainingData,
  batchSize: number,
  collected?: EvalResult,
): Promise<FinalMetrics> {
  const k = data.classNames.length;
  const ev = collected ?? (await evaluateExamples(model, data.val, k, { batchSize, collect: true }));
  const logits = ev.logits ?? new Float32Array(0);
  const labels = data.val.labels;
  const val = classificationReport(logits, labels, data.classNames);
  const temperature = fitTemperature(logits, labels, k);
  const calibrated = classificationReport(logits, labels, data.classNames, temperature);
  const thresholds = labelThresholds(logits, labels, data.classNames, temperature);
  const perLabel = Object.fromEntries(Object.entries(thresholds).map(([l, t]) => [l, t.threshold]));
  return {
    val,
    temperature,
    calibratedEce: calibrated.ece,
    calibratedNll: calibrated.nll,
    centroids: computeCentroids(
      ev.features ?? new Float32Array(0),
      labels,
      data.classNames,
      model.featureDim,
    ),
    calibration: { ...calibrationFile(logits, k, temperature), labelThresholds: perLabel },
    labelThresholds: thresholds,
  };
}
