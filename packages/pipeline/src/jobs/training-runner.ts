/**
 * The JobRunner that does the real work: load and validate the uploaded dataset (writing `jobs/<id>/report.json`),
 * train with checkpoints under `jobs/<id>/checkpoints/` (resuming when they exist), and publish the model.
 */

import { disposeDataset, loadDataset } from "../dataset/load-dataset.js";
import type { Dataset } from "../dataset/types.js";
import { completedByJob } from "../registry/job-version.js";
import { datasetOptionsOf, type JobRequest, parseJobRequest } from "../train/job-spec.js";
import type { TrainingProgress } from "../train/loop/run-training.js";
import type { EngineChoice } from "../train/loop/training-types.js";
import { runTrainingJob } from "../train/run-training-job.js";
import { MARKER_FILE } from "./dataset-event.js";
import { datasetName } from "./job-id.js";
import type { JobContext, JobOutcome, JobRunner } from "./job-runner.js";
import { reportKey } from "./keys.js";

export interface TrainingRunnerOptions extends EngineChoice {
  /** Minimum milliseconds between status.json progress writes (epoch ends always write). @default 2000 */
  progressEveryMs?: number;
  /** Mid-epoch checkpoint interval. @default the trainer's (10 minutes) */
  checkpointEveryMs?: number;
  /**
   * Train from the compiled dataset cache (`cache/<hash>/`, built by the first job on the data); processes pass
   * their configuration's `RESIDUAL_DATASET_CACHE`. @default true
   */
  datasetCache?: boolean;
  /** Most bytes one dataset archive may write to disk (`RESIDUAL_MAX_EXTRACT_GIB`). @default 20 GiB */
  maxExtractBytes?: number;
}

/**
 * The spec as the user wrote it, with the dataset's name as the model name unless the spec names one. Anything but
 * a JSON object (`[1,2,3]`, `"a string"`, `null`) is passed on as it is, so parseJobRequest refuses it with
 * `invalid_job_spec` instead of training on defaults; no spec at all (undefined) means the defaults.
 */
function specFor(key: string, raw: unknown): unknown {
  if (raw === undefined) return { name: datasetName(key) };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  return { name: datasetName(key), ...(raw as Record<string, unknown>) };
}

/** A folder upload's spec is its marker: read and check it before touching any image. */
async function specFromMarker(ctx: JobContext): Promise<{ spec: unknown } | undefined> {
  const { key, kind } = ctx.status.dataset;
  if (kind !== "folder" || !key.endsWith(MARKER_FILE)) return undefined;
  const text = (await ctx.store.get(key)).toString("utf8").trim();
  let raw: unknown = {};
  try {
    raw = text ? JSON.parse(text) : {};
  } catch {
    raw = text; // parseJobSpec reports it as "must be a JSON object"
  }
  return { spec: specFor(key, raw) };
}

/**
 * What `loadDataset` reads for this upload: the archive itself; for a folder, its manifest when it has one
 * (`manifest.jsonl` / `manifest.csv` beside the marker), else the folder.
 */
async function datasetSource(ctx: JobContext): Promise<string> {
  const { key, kind } = ctx.status.dataset;
  if (kind === "archive") return key;
  const prefix = key.slice(0, key.length - MARKER_FILE.length);
  for (const m of ["manifest.jsonl", "manifest.csv"])
    if (await ctx.store.head(`${prefix}${m}`)) return `${prefix}${m}`;
  return prefix;
}

/** One version per job, derived from the job: a retried publish rewrites the same version instead of adding one. */
function versionFor(ctx: JobContext): string {
  const stamp = ctx.status.createdAt.replace(/[-:]/g, "").replace(".", "");
  return `${stamp}-${ctx.id.slice(-4)}`;
}

/**
 * Trainer progress → status.json, throttled. `progress.epoch` there is 1-based (the epoch running, or just
 * finished when `metrics` carries its validation results); checkpoint reports carry no metrics and are skipped.
 */
function progressReporter(ctx: JobContext, everyMs: number): (p: TrainingProgress) => void {
  let last = 0;
  let pending: Promise<void> = Promise.resolve();
  return (p) => {
    const now = Date.now();
    if (p.type === "checkpoint" || (p.type === "step" && now - last < everyMs)) return;
    last = now;
    const metrics: Record<string, unknown> = { loss: p.loss, lr: p.lr, ...p.record };
    const numeric: Record<string, number> = {};
    for (const [k, v] of Object.entries(metrics))
      if (typeof v === "number" && Number.isFinite(v)) numeric[k] = v;
    if (p.type === "epoch")
      ctx.log(
        `epoch ${p.epoch + 1}/${p.epochs} ${Object.entries(numeric)
          .map(([k, v]) => `${k} ${+v.toFixed(4)}`)
          .join(" ")}`,
      );
    pending = pending
      .then(() =>
        ctx.reportProgress({
          phase: String(p.phase),
          epoch: p.epoch + 1,
          epochs: p.epochs,
          step: p.step,
          steps: p.steps,
          imagesPerSecond: p.imagesPerSec,
          etaSeconds: p.etaSeconds,
          metrics: numeric,
        }),
      )
      .catch((err: unknown) => ctx.log(`progress update failed: ${(err as Error).message}`));
  };
}

/**
 * Load and validate the upload, reading it once: the job spec (a folder's marker, or the `residual.json` inside
 * the archive, as soon as it is read) is parsed here, the one parse of the job, every issue listed before any
 * image is validated, and its split options apply to this same read.
 */
async function loadForSpec(
  ctx: JobContext,
  marker: { spec: unknown } | undefined,
  opts: TrainingRunnerOptions,
) {
  let request: JobRequest | undefined;
  const limits = opts.maxExtractBytes !== undefined ? { maxUncompressedBytes: opts.maxExtractBytes } : {};
  const dataset = await loadDataset(ctx.store, await datasetSource(ctx), limits, (inUpload) => {
    request = parseJobRequest(marker ? marker.spec : specFor(ctx.status.dataset.key, inUpload));
    return datasetOptionsOf(request);
  });
  return { dataset, request: request! };
}

/**
 * The job runner that loads and validates the upload, trains and publishes the model (see the file header).
 * @example
 * await runQueueWorker(queue, { store, runner: trainingJobRunner() });
 */
export function trainingJobRunner(opts: TrainingRunnerOptions = {}): JobRunner {
  return async (ctx): Promise<JobOutcome> => {
    const markerSpec = await specFromMarker(ctx);
    let dataset: Dataset | undefined;
    try {
      const loaded = await loadForSpec(ctx, markerSpec, opts);
      dataset = loaded.dataset;
      const version = versionFor(ctx);
      if (await completedByJob(ctx.store, loaded.request.name, version, ctx.id)) {
        ctx.log(`already published as models/${loaded.request.name}/${version}; not training again`);
        return { model: loaded.request.name, version };
      }
      await ctx.store.put(reportKey(ctx.id), JSON.stringify(dataset.report, null, 2), {
        contentType: "application/json",
      });
      const result = await runTrainingJob({
        store: ctx.store,
        jobId: ctx.id,
        dataset,
        jobRequest: loaded.request,
        version,
        signal: ctx.signal,
        onProgress: progressReporter(ctx, opts.progressEveryMs ?? 2000),
        datasetCache: opts.datasetCache ?? true,
        log: ctx.log,
        ...(opts.engine ? { engine: opts.engine } : {}),
        ...(opts.engineThreads ? { engineThreads: opts.engineThreads } : {}),
        ...(opts.checkpointEveryMs !== undefined ? { checkpointEveryMs: opts.checkpointEveryMs } : {}),
      });
      const last = result.training.history.at(-1);
      const metrics: Record<string, number> = {};
      for (const [k, v] of Object.entries(last ?? {})) if (typeof v === "number") metrics[k] = v;
      return { model: result.model, version: result.version, metrics };
    } finally {
      if (dataset) await disposeDataset(dataset);
    }
  };
}
