import { parseJobSpec } from "@residual/pipeline";
import {
  calibrationFile,
  classificationReport,
  computeCentroids,
  type EpochRecord,
  labelThresholds,
  type ModelCardInput,
  modelCard,
} from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

function input(overrides: Partial<ModelCardInput>): ModelCardInput {
  const names = ["a", "b"];
  const logits = new Float32Array([2, 0, 0, 2, 1, 0]);
  const labels = [0, 1, 1];
  const val = classificationReport(logits, labels, names);
  const record = (epoch: number): EpochRecord => ({
    epoch,
    phase: 0,
    lr: 0.1,
    trainLoss: 1,
    trainTop1: 0.5,
    valLoss: 1,
    valTop1: 0.5,
    seconds: 1,
    imagesPerSec: 10,
  });
  return {
    name: "m",
    version: "v1",
    jobId: "j",
    spec: parseJobSpec({ arch: "cifar_resnet20", epochs: 5, earlyStopping: { patience: 2 } }),
    classNames: names,
    trainCount: 4,
    valCount: 3,
    history: [0, 1, 2, 3].map(record),
    metrics: {
      val,
      temperature: 1,
      calibratedEce: val.ece,
      calibratedNll: val.nll,
      centroids: computeCentroids(new Float32Array(6), labels, names, 2),
      calibration: calibrationFile(logits, 2, 1),
      labelThresholds: labelThresholds(logits, labels, names, 1),
    },
    stoppedEarly: true,
    ...overrides,
  };
}

describe("modelCard", () => {
  it("names the restored best epoch (1-based) and the monitored metric", () => {
    const card = modelCard(input({ restoredBestEpoch: 1 }));
    expect(card).toContain("4 of 5 epochs (stopped early); weights of epoch 2, the best by val_loss");
  });

  it("shows each label's F1-maximising threshold in the per-class table", () => {
    const card = modelCard(input({}));
    const t = labelThresholds(new Float32Array([2, 0, 0, 2, 1, 0]), [0, 1, 1], ["a", "b"], 1);
    expect(card).toContain("| class | support | precision | recall | F1 | threshold |");
    expect(card).toMatch(new RegExp(`\\| b \\| 2 \\|.*\\| ${t.b!.threshold.toFixed(3)} \\|`));
  });

  it("says nothing extra when the last epoch was the best or nothing was restored", () => {
    expect(modelCard(input({ restoredBestEpoch: 3 }))).not.toContain("weights of epoch");
    expect(modelCard(input({}))).not.toContain("weights of epoch");
  });
});
