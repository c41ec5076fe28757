/**
 * Train/serve parity after training, before publish: a handful of validation images ("golden images") go through
 * the serving path exactly as `/v1/classify` would run them — the original bytes, decoded and preprocessed with
 * the `preprocess.json` about to be published, through ONNX Runtime on the `model.onnx` about to be published — and
 * their class probabilities are compared with the trainer's own eval outputs (tfjs, the eval transform it
 * trained with). A mismatch beyond tolerance fails the job before anything is published (ParityError
 * `serving_parity_mismatch`), so a broken export or preprocessing never becomes `latest`.
 */
import type { ResNet } from "@residual/resnet";
import type { Dataset } from "../../dataset/types.js";
import { readRef } from "../../dataset/validate.js";
import { createOnnxEngine } from "../../engine/onnx-engine.js";
import { onnxSessionOptions } from "../../engine/ort/session-options.js";
import { ParityError } from "../../errors.js";
import { preprocessEval } from "../../preprocess/eval.js";
import { resolvePreprocessSpec } from "../../preprocess/spec.js";
import type { ObjectStore } from "../../store/object-store.js";
import type { ImageSet, TrainingData } from "../image-sets.js";
import { evaluateExamples } from "./evaluate.js";

/** What `metrics.json` (`servingParity`) and the model card say about the check. */
export interface ParityReport {
  images: number;
  /** Largest |p_serve − p_train| over every class of every image. */
  maxAbsProbDiff: number;
  /** Share of images whose top-1 class agrees. */
  top1Agreement: number;
  tolerance: number;
  passed: boolean;
  /** Why no image was checked (in-memory training data has no original bytes). */
  skipped?: string;
}

function softmaxRows(logits: Float32Array, k: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / k; r++) {
    const row = logits.subarray(r * k, (r + 1) * k);
    const max = Math.max(...row);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += out[r * k + j] = Math.exp(row[j]! - max);
    for (let j = 0; j < k; j++) out[r * k + j]! /= sum;
  }
  return out;
}

const argmax = (p: Float32Array, r: number, k: number): number => {
  let best = 0;
  for (let j = 1; j < k; j++) if (p[r * k + j]! > p[r * k + best]!) best = j;
  return best;
};

export interface ParityInput {
  model: ResNet;
  data: TrainingData;
  /** The dataset whose `val` samples `data.val` holds, in the same order; undefined: skipped. */
  dataset?: Dataset;
  store: ObjectStore;
  /** The files about to be published. */
  onnx: Uint8Array;
  preprocessJson: string;
  /** @default 8 */
  images?: number;
  /** @default 0.02 */
  tolerance?: number;
}

async function serveLogits(i: ParityInput, n: number): Promise<Float32Array> {
  const spec = resolvePreprocessSpec(JSON.parse(i.preprocessJson));
  const per = spec.size * spec.size * spec.inChannels;
  const batch = new Float32Array(n * per);
  for (let r = 0; r < n; r++) {
    const bytes = await readRef(i.store, i.dataset!.val[r]!.ref);
    await preprocessEval(bytes, spec, { out: batch, offset: r * per, fast: true });
  }
  const engine = await createOnnxEngine(i.onnx, { session: onnxSessionOptions(1), thread: "main" });
  try {
    return (await engine.run(batch, n, spec.size)).logits;
  } finally {
    await engine.dispose();
  }
}

/**
 * Check parity; throws ParityError `serving_parity_mismatch` when it fails, returns the figures otherwise.
 * @example
 * const parity = await checkServingParity({ model, data, dataset, store, onnx, preprocessJson });
 */
export async function checkServingParity(i: ParityInput): Promise<ParityReport> {
  const tolerance = i.tolerance ?? 0.02;
  const k = i.data.classNames.length;
  const n = Math.min(i.images ?? 8, i.data.val.size, i.dataset?.val.length ?? 0);
  const sameOrder = i.dataset?.val.slice(0, n).every((s, r) => s.label === i.data.val.labels[r]) ?? false;
  if (n === 0 || !sameOrder) {
    const skipped = n === 0 ? "no original validation images" : "validation order differs from the dataset's";
    return { images: 0, maxAbsProbDiff: 0, top1Agreement: 1, tolerance, passed: true, skipped };
  }
  const val = i.data.val;
  const golden: ImageSet = {
    size: n,
    labels: Array.from(val.labels).slice(0, n),
    imageSize: val.imageSize,
    channels: val.channels,
    load: (idx) => val.load(idx), // the eval transform, as the trainer evaluates
  };
  const trained = await evaluateExamples(i.model, golden, k, { batchSize: n, collect: true });
  const pTrain = softmaxRows(trained.logits ?? new Float32Array(0), k);
  const pServe = softmaxRows(await serveLogits(i, n), k);
  let maxAbsProbDiff = 0;
  let agree = 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < k; j++)
      maxAbsProbDiff = Math.max(maxAbsProbDiff, Math.abs(pServe[r * k + j]! - pTrain[r * k + j]!));
    if (argmax(pServe, r, k) === argmax(pTrain, r, k)) agree++;
  }
  const report = { images: n, maxAbsProbDiff, top1Agreement: agree / n, tolerance, passed: false };
  report.passed = maxAbsProbDiff <= tolerance;
  if (!report.passed)
    throw new ParityError(
      "serving_parity_mismatch",
      `the serving path (decode → preprocess.json → ONNX Runtime) disagrees with the trainer on ${n} validation ` +
        `images: max |Δp| ${maxAbsProbDiff.toFixed(4)} > ${tolerance}, top-1 agreement ${agree}/${n}; not published`,
    );
  return report;
}

/**
 * The model card's section on the check.
 * @example
 * card += paritySection(parity);
 */
export function paritySection(p: ParityReport): string {
  if (p.skipped) return `\n## Train/serve parity\n\nNot checked: ${p.skipped}.\n`;
  return (
    `\n## Train/serve parity\n\n${p.images} validation images through the serving path (decode → preprocess.json → ` +
    `ONNX Runtime) vs the trainer (tfjs): max |Δp| ${p.maxAbsProbDiff.toExponential(2)} (tolerance ${p.tolerance}), ` +
    `top-1 agreement ${(p.top1Agreement * 100).toFixed(0)}%.\n`
  );
}
