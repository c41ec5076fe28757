/**
 * One training job end to end: parse the spec (before any compute), build the starting model, train with
 * checkpoints under `jobs/<id>/checkpoints/` (resuming when they exist), evaluate, and publish the version:
 * `model.json` + weight shards, `model.onnx`, `labels.json`, `preprocess.json`, `metrics.json`, `calibration.json`,
 * `centroids.json`, the validation embeddings (`neighbours.json`, `neighbours.bin`, `neighbours-thumbs.bin`),
 * `curves.svg` / `.png`, `confusion.svg` / `.png`, `model-card.md`, `job.json`, then `latest`.
 */
import { exportOnnx, type ResNet } from "@residual/resnet";
import { datasetProfile } from "../dataset/dataset-profile.js";
import type { Dataset } from "../dataset/types.js";
import { readRef } from "../dataset/validate.js";
import { checkpointPrefix } from "../jobs/keys.js";
import { type DatasetCache, ensureDatasetCache } from "../loader/dataset-cache.js";
import { type PreprocessSpec, resolvePreprocessSpec } from "../preprocess/spec.js";
import { preprocessFile, publishTrainedVersion, type TrainedVersion } from "../registry/trained-version.js";
import { newVersionId } from "../registry/version-id.js";
import type { ObjectStore } from "../store/object-store.js";
import { datasetTrainingData } from "./dataset-image-sets.js";
import type { TrainingData } from "./image-sets.js";
import { type JobRequest, type JobSpec, parseJobRequest, resolveJobSpec } from "./job-spec.js";
import { runTraining, type TrainingProgress, type TrainingResult } from "./loop/run-training.js";
import type { EngineChoice } from "./loop/training-types.js";
import { choosePretrained } from "./pretrained-choice.js";
import { type EvalResult, evaluateExamples } from "./reports/evaluate.js";
import { type FinalMetrics, finalMetrics } from "./reports/final-metrics.js";
import { modelCard } from "./reports/model-card.js";
import {
  DEFAULT_MAX_NEIGHBOURS,
  type NeighbourFiles,
  neighbourFiles,
  neighboursSection,
  neighboursSummary,
} from "./reports/neighbours.js";
import { chartPngs } from "./reports/png-charts.js";
import { checkServingParity, paritySection } from "./reports/serving-parity.js";
import { confusionMatrixSvg, trainingCurvesSvg } from "./reports/svg-charts.js";
import { smallImageTrainingData } from "./small-image-sets.js";
import { type Lineage, trainingModel } from "./starting-model.js";

/**
 * One training job: the store, the job id, the dataset, its spec, and how to report progress.
 * @example
 * const options: TrainingJobOptions = { store, jobId: "flowers-1a2b", dataset, spec: { epochs: 5 } };
 */
export interface TrainingJobOptions extends EngineChoice {
  /** The bucket: dataset bytes, `jobs/<id>/checkpoints/`, and (by default) `models/`. */
  store: ObjectStore;
  jobId: string;
  dataset: Dataset;
  /** The `residual.json` value, parsed here. @default dataset.spec */
  spec?: unknown;
  /** The spec already parsed at the job boundary (the training runner); `spec` is then not parsed again. */
  jobRequest?: JobRequest;
  /** Where the dataset's bytes are read (the CLI's input folder). @default store */
  datasetStore?: ObjectStore;
  /** Where the model is published. @default store */
  publishStore?: ObjectStore;
  /** @default a new version id */
  version?: string;
  signal?: AbortSignal;
  onProgress?: (p: TrainingProgress) => void;
  /** Train-time augmentation. @default true */
  augment?: boolean;
  /** Images to train on instead of the dataset's files (tests, benchmarks); the dataset still names classes. */
  data?: TrainingData;
  checkpointEveryMs?: number;
  /**
   * Decode the dataset once into the compiled cache (uint8 shards under `cache/<hash>/`) and train from it, so later
   * epochs and later jobs on the same data skip the image files. @default false
   */
  datasetCache?: boolean;
  /**
   * The eval transform to publish as `preprocess.json`. @default the one trained with; anything else is what the
   * train/serve parity check (serving-parity.ts) exists to catch, and tests pass a broken one to prove it.
   */
  servingPreprocess?: PreprocessSpec;
  /**
   * Validation embeddings stored for `/v1/neighbours` at most (a deterministic per-class sample above it); 0 stores
   * none. @default DEFAULT_MAX_NEIGHBOURS (5,000)
   */
  maxNeighbours?: number;
  /** Operational messages (prefix-engine fallback, pruning or chart-rendering failures). @default console.warn */
  log?: (line: string) => void;
}

/**
 * What a training job published and how training went.
 * @example
 * const { model, version, metrics }: TrainingJobResult = await runTrainingJob(options);
 */
export interface TrainingJobResult {
  model: string;
  version: string;
  files: string[];
  spec: JobSpec;
  training: TrainingResult;
  metrics: FinalMetrics;
  /** The published model this job started from (`pretrained: "model:…"`). */
  lineage?: Lineage;
}

/** The `metrics.json` document: validation report, calibration, per-class metrics, history. */
function metricsDocument(training: TrainingResult, m: FinalMetrics, lineage?: Lineage): unknown {
  const { val } = m;
  const best = training.restoredBestEpoch;
  return {
    ...(lineage ? { lineage } : {}),
    val: { top1: val.top1, top5: val.top5, macroF1: val.macroF1, nll: val.nll, ece: val.ece },
    calibrated: { temperature: m.temperature, ece: m.calibratedEce, nll: m.calibratedNll },
    perClass: val.perClass,
    labelThresholds: m.labelThresholds,
    confusion: val.confusion,
    history: training.history,
    epochsRun: training.epochsRun,
    stoppedEarly: training.stoppedEarly,
    ...(best !== undefined ? { restoredBestEpoch: best } : {}),
  };
}

interface Artefacts {
  o: TrainingJobOptions;
  spec: JobSpec;
  model: ResNet;
  data: TrainingData;
  training: TrainingResult;
  metrics: FinalMetrics;
  version: string;
  lineage: Lineage | undefined;
}

/** What the job computed, as the registry's trained version (the registry names the files). */
async function trainedVersion(a: Artefacts, preprocess: PreprocessSpec): Promise<TrainedVersion> {
  const { spec, data, training, metrics, o, lineage } = a;
  const charts = {
    "curves.svg": trainingCurvesSvg(training.history),
    "confusion.svg": confusionMatrixSvg(metrics.val.confusion, data.classNames),
  };
  const best = training.restoredBestEpoch;
  return {
    model: a.model,
    onnx: exportOnnx(a.model),
    labels: data.classNames,
    preprocess,
    metrics: metricsDocument(training, metrics, lineage),
    calibration: metrics.calibration,
    centroids: metrics.centroids,
    pictures: { ...charts, ...(await chartPngs(charts, o.log ?? console.warn)) },
    modelCard: modelCard({
      name: spec.name,
      version: a.version,
      jobId: o.jobId,
      spec,
      classNames: data.classNames,
      trainCount: data.train.size,
      valCount: data.val.size,
      history: training.history,
      metrics,
      stoppedEarly: training.stoppedEarly,
      ...(best !== undefined ? { restoredBestEpoch: best } : {}),
      ...(lineage ? { lineage } : {}),
    }),
    job: {
      jobId: o.jobId,
      spec,
      ...(lineage ? { lineage } : {}),
      dataset: { source: o.dataset.report.source, hash: o.dataset.hash },
      training,
    },
  };
}

/**
 * The dataset's compiled cache (`cache/<hash>/…` in the store the data comes from), built on first use. A cache
 * that cannot be built or read (e.g. no write access to `cache/`) is not worth failing a job for: train from the
 * files and say why.
 */
async function compiledCache(
  o: TrainingJobOptions,
  preprocess: PreprocessSpec,
): Promise<DatasetCache | undefined> {
  const log = o.log ?? console.warn;
  try {
    const cache = await ensureDatasetCache(o.datasetStore ?? o.store, o.dataset, preprocess, {
      onWarning: (w) => log(`dataset cache: ${w.message}`),
    });
    log(`dataset cache: ${cache.dir} (${Object.keys(cache.index.entries).length} images)`);
    return cache;
  } catch (err) {
    log(`dataset cache unavailable, reading the original files: ${(err as Error).message}`);
    return undefined;
  }
}

/** Train and val image sets for the recipe: pad-crop sets held in memory, or the per-batch decoding ones. */
async function imageSetsFor(
  o: TrainingJobOptions,
  spec: JobSpec,
  preprocess: PreprocessSpec,
): Promise<TrainingData> {
  const store = o.datasetStore ?? o.store;
  const augment = o.augment ?? true;
  const cache = o.datasetCache ? await compiledCache(o, preprocess) : undefined;
  if (spec.augment.kind === "pad_crop") {
    return smallImageTrainingData(store, o.dataset, {
      preprocess,
      augment: spec.augment,
      enabled: augment,
      seed: spec.seed,
      ...(cache ? { cache } : {}),
    });
  }
  return datasetTrainingData(store, o.dataset, {
    preprocess,
    augment,
    trainAugment: spec.augment,
    seed: spec.seed,
    ...(cache ? { cache } : {}),
  });
}

/**
 * The validation embeddings to store, or why none are: they need the dataset's own validation images (keys and
 * bytes), not images handed in memory.
 */
async function storedNeighbours(
  o: TrainingJobOptions,
  ev: EvalResult,
  model: ResNet,
  data: TrainingData,
): Promise<NeighbourFiles | string> {
  const cap = o.maxNeighbours ?? DEFAULT_MAX_NEIGHBOURS;
  if (cap <= 0) return "disabled (maxNeighbours 0)";
  if (o.data) return "validation images were given in memory, without dataset keys";
  if (o.dataset.val.length === 0) return "no validation images";
  if (!ev.features || o.dataset.val.length !== data.val.size) return "validation features unavailable";
  const store = o.datasetStore ?? o.store;
  const val = o.dataset.val;
  return neighbourFiles({
    features: ev.features,
    dim: model.featureDim,
    labels: data.val.labels,
    classNames: data.classNames,
    keys: val.map((s) => s.path),
    cap,
    image: (i) => readRef(store, val[i]!.ref),
    ...(o.log ? { log: o.log } : {}),
  });
}

/** One line on what the job trains on: `dataset: 10 classes, 4000 train / 1000 val (split), 2 skipped, … in 8.5 s`. */
function datasetLine(d: Dataset): string {
  const r = d.report;
  const seconds = r.timingsMs.total === undefined ? "" : ` in ${(r.timingsMs.total / 1000).toFixed(1)} s`;
  const warnings = r.warnings.length > 0 ? `, ${r.warnings.length} warning(s)` : "";
  return (
    `dataset: ${r.classes.length} classes, ${r.totals.train} train / ${r.totals.val} val (${r.valSource}), ` +
    `${r.totals.skipped} skipped${warnings}; read and validated${seconds}`
  );
}

/**
 * Run a training job and publish its model. Throws InvalidInputError `invalid_job_spec` (every issue listed)
 * before any compute, TransientError `training_aborted` when `signal` fires (resume by calling again).
 *
 * @example
 * const { model, version } = await runTrainingJob({ store, jobId: "flowers-1a2b", dataset });
 */
export async function runTrainingJob(o: TrainingJobOptions): Promise<TrainingJobResult> {
  const parsed = o.jobRequest ?? parseJobRequest(o.spec ?? o.dataset.spec ?? {});
  const request = await choosePretrained(o.store, parsed);
  const spec = resolveJobSpec(request, datasetProfile(o.dataset));
  (o.log ?? console.warn)(datasetLine(o.dataset));
  (o.log ?? console.warn)(`pretrained: ${spec.pretrained ?? "none"} (${spec.pretrainedReason})`);
  (o.log ?? console.warn)(
    `recipe: ${spec.recipe} (${spec.recipeReason}): ${spec.imageSize} px, ${spec.inChannels} channel(s), ` +
      `batch ${spec.batchSize}, lr ${spec.lr}, ${spec.augment.kind}`,
  );
  const preprocess = resolvePreprocessSpec({
    size: spec.imageSize,
    resize: spec.evalResize,
    inChannels: spec.inChannels,
  });
  const data = o.data ?? (await imageSetsFor(o, spec, preprocess));
  const { model, lineage } = await trainingModel(o.store, spec, data.classNames);
  if (lineage) {
    (o.log ?? console.warn)(
      `starting from model ${lineage.parent}@${lineage.parentVersion} (head ${lineage.head === "kept" ? "kept: same labels" : "reset: other labels"})`,
    );
  }
  try {
    const { finalEval, ...training } = await runTraining({
      model,
      collectFinal: true,
      spec,
      data,
      store: o.store,
      checkpointPrefix: checkpointPrefix(o.jobId),
      ...(o.checkpointEveryMs !== undefined ? { checkpointEveryMs: o.checkpointEveryMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.log ? { log: o.log } : {}),
      ...(o.engine ? { engine: o.engine } : {}),
      ...(o.engineThreads ? { engineThreads: o.engineThreads } : {}),
    });
    const ev =
      finalEval ??
      (await evaluateExamples(model, data.val, data.classNames.length, {
        batchSize: spec.batchSize,
        collect: true,
      }));
    const metrics = await finalMetrics(model, data, spec.batchSize, ev);
    const neighbours = await storedNeighbours(o, ev, model, data);
    const version = o.version ?? newVersionId();
    const served = o.servingPreprocess ?? preprocess;
    const trained = await trainedVersion(
      { o, spec, model, data, training, metrics, version, lineage },
      served,
    );
    const parity = await checkServingParity({
      model,
      data,
      ...(o.data ? {} : { dataset: o.dataset }),
      store: o.datasetStore ?? o.store,
      onnx: trained.onnx,
      preprocessJson: preprocessFile(served),
    });
    (o.log ?? console.warn)(
      parity.skipped
        ? `train/serve parity: not checked (${parity.skipped})`
        : `train/serve parity: ${parity.images} images, max |Δp| ${parity.maxAbsProbDiff.toExponential(2)}`,
    );
    const stored = neighboursSummary(typeof neighbours === "string" ? neighbours : neighbours.index);
    (o.log ?? console.warn)(
      stored.stored
        ? `neighbours: ${stored.count} of ${stored.total} validation embeddings stored${stored.thumbnails ? " with thumbnails" : ""}`
        : `neighbours: not stored (${stored.reason})`,
    );
    trained.metrics = { ...(trained.metrics as object), servingParity: parity, neighbours: stored };
    trained.modelCard += paritySection(parity) + neighboursSection(stored);
    if (typeof neighbours !== "string") trained.neighbours = neighbours;
    const published = await publishTrainedVersion(
      o.publishStore ?? o.store,
      spec.name,
      version,
      trained,
      o.jobId,
    );
    return {
      model: published.name,
      version: published.version,
      files: published.files,
      spec,
      training,
      metrics,
      ...(lineage ? { lineage } : {}),
    };
  } finally {
    model.dispose();
  }
}
