/** `model-card.md`: what the model was trained on, how, how well, and where it should not be trusted. */
import type { EpochRecord } from "../checkpoints/checkpoint.js";
import type { JobSpec } from "../job-spec.js";
import type { Lineage } from "../starting-model.js";
import type { FinalMetrics } from "./final-metrics.js";

/**
 * What `model-card.md` is rendered from.
 * @example
 * const card = modelCard({ name, version, jobId, spec, classNames, trainCount, valCount, history, metrics, stoppedEarly });
 */
export interface ModelCardInput {
  name: string;
  version: string;
  jobId: string;
  spec: JobSpec;
  classNames: string[];
  trainCount: number;
  valCount: number;
  history: EpochRecord[];
  metrics: FinalMetrics;
  stoppedEarly: boolean;
  /** The epoch whose weights were published (early stopping's best), when not simply the last. */
  restoredBestEpoch?: number;
  /** The published model this one continues (incremental training). */
  lineage?: Lineage;
}

/** Where the weights started: scratch, a backbone, or a parent model (and whether its head was kept). */
function startLine(c: ModelCardInput): string {
  const l = c.lineage;
  if (l) {
    const head = l.head === "kept" ? "head kept, same labels" : "head reset, other labels";
    return `from model ${l.parent}@${l.parentVersion}, ${head}`;
  }
  return `${c.spec.pretrained ? `from ${c.spec.pretrained}` : "from scratch"}: ${c.spec.pretrainedReason}`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Which epoch's weights these are, when early stopping restored an earlier one than the last. */
function bestNote(c: ModelCardInput): string {
  const best = c.restoredBestEpoch;
  const last = c.history.at(-1)?.epoch;
  if (best === undefined || best === last || !c.spec.earlyStopping) return "";
  return `; weights of epoch ${best + 1}, the best by ${c.spec.earlyStopping.monitor}`;
}

/** The recipe in one sentence: what it is, why it was chosen, and its augmentation. */
function recipeLine(spec: JobSpec): string {
  const a = spec.augment;
  const aug =
    a.kind === "pad_crop"
      ? `zero-pad ${a.pad} + random crop + horizontal flip ${a.hflip}`
      : `RandomResizedCrop (scale ${a.scale.join("–")}) + horizontal flip ${a.hflip} + ColorJitter ${a.brightness}/${a.contrast}/${a.saturation}`;
  const warmup = spec.warmupEpochs > 0 ? `warmup ${+spec.warmupEpochs.toFixed(2)} epochs, then ` : "";
  return `Recipe \`${spec.recipe}\` (${spec.recipeReason}): ${spec.inChannels === 1 ? "grey, 1 channel" : "RGB"}, train augmentation ${aug}; ${warmup}${spec.schedule.type} schedule; eval resize ${spec.evalResize} px then center crop ${spec.imageSize} px.`;
}

/**
 * Render the model card.
 * @example
 * files["model-card.md"] = modelCard({ name, version, jobId, spec, classNames, trainCount, valCount, history, metrics, stoppedEarly });
 */
export function modelCard(c: ModelCardInput): string {
  const m = c.metrics;
  const threshold = (label: string) => m.labelThresholds[label]?.threshold.toFixed(3) ?? "–";
  const rows = m.val.perClass.map(
    (p) =>
      `| ${p.label} | ${p.support} | ${pct(p.precision)} | ${pct(p.recall)} | ${p.f1.toFixed(3)} | ${threshold(p.label)} |`,
  );
  const weakest = [...m.val.perClass].sort((a, b) => a.f1 - b.f1)[0];
  return [
    `# ${c.name} ${c.version}`,
    "",
    `Fine-tuned ${c.spec.arch} (${startLine(c)}) by job \`${c.jobId}\`.`,
    "",
    "## Data",
    `${c.classNames.length} classes; ${c.trainCount} training and ${c.valCount} validation images at ${c.spec.imageSize}px.`,
    "",
    "## Training",
    recipeLine(c.spec),
    "",
    `${c.history.length} of ${c.spec.epochs} epochs${c.stoppedEarly ? " (stopped early)" : ""}${bestNote(c)}, ${c.spec.optimizer} lr ${c.spec.lr}, batch ${c.spec.batchSize}, weight decay ${c.spec.weightDecay}, label smoothing ${c.spec.labelSmoothing}, seed ${c.spec.seed}.`,
    "",
    "```json",
    JSON.stringify(c.spec, null, 2),
    "```",
    "",
    "## Validation metrics",
    `top-1 ${pct(m.val.top1)}${m.val.top5 !== undefined ? `, top-5 ${pct(m.val.top5)}` : ""}, macro F1 ${m.val.macroF1.toFixed(3)}, NLL ${m.val.nll.toFixed(3)}, ECE ${m.val.ece.toFixed(3)} (after temperature ${m.temperature.toFixed(3)}: ECE ${m.calibratedEce.toFixed(3)}).`,
    "",
    "| class | support | precision | recall | F1 | threshold |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    "Threshold: per label, the calibrated score that maximised the label's validation F1 (`calibration.json` " +
      "`labelThresholds`); `/v1/classify` flags a top-1 prediction under its label's threshold `unknown` when the " +
      "request gives no `threshold`.",
    "",
    "Curves: `curves.svg` (`curves.png`); confusion matrix: `confusion.svg` (`confusion.png`).",
    "",
    "## Limits",
    `- Measured on ${c.valCount} validation images only; small classes have wide error bars.`,
    weakest ? `- Weakest class: ${weakest.label} (F1 ${weakest.f1.toFixed(3)}).` : "",
    "- The model only knows these classes: other inputs get one of them unless the `unknown` flag (centroid distance or calibrated confidence, see `centroids.json` and `calibration.json`) is used; those thresholds flag about 5% of in-distribution images by construction.",
    "- Images unlike the training data (other cameras, lighting, resolutions) may be classified with misleading confidence.",
    "",
  ].join("\n");
}
