/**
 * The files of a trained model version, named in one place (the bucket layout of `models/<name>/<version>/`):
 * the tfjs model (`model.json` + shards), `model.onnx`, `labels.json`, `preprocess.json`, `metrics.json`,
 * `calibration.json`, `centroids.json`, the stored validation embeddings (`neighbours.json`, `neighbours.bin`,
 * `neighbours-thumbs.bin`), the pictures, `model-card.md` and `job.json`. The trainer hands over
 * what it computed; this module decides what each file is called and holds.
 */
import type { PreprocessSpec } from "../preprocess/spec.js";
import { tfjsModelFiles } from "../store/io-handler.js";
import type { ObjectStore } from "../store/object-store.js";
import type { Calibration, Centroids } from "./model-files.js";
import {
  NEIGHBOURS_BIN,
  NEIGHBOURS_JSON,
  NEIGHBOURS_THUMBS,
  type NeighboursIndex,
} from "./neighbour-files.js";
import { type PublishBody, type PublishedModel, publishModel } from "./publish-model.js";

/**
 * What a training job produced for one version.
 * @example
 * const version: TrainedVersion = { model, onnx, labels, preprocess, metrics, calibration, centroids, pictures, modelCard, job };
 */
export interface TrainedVersion {
  /** The trained network (saved through the store's model handler layout). */
  model: { save(handler: import("@tensorflow/tfjs-core").io.IOHandler): Promise<unknown> };
  onnx: Uint8Array;
  /** Class names in logit order. */
  labels: readonly string[];
  preprocess: PreprocessSpec;
  /** The `metrics.json` document. */
  metrics: unknown;
  calibration: Calibration;
  centroids: Centroids;
  /** Validation embeddings for `/v1/neighbours` (neighbour-files.ts); absent when the job stores none. */
  neighbours?: { index: NeighboursIndex; bin: Uint8Array; thumbs?: Uint8Array };
  /** Pictures by file name (`curves.svg`, `curves.png`, …). */
  pictures: Readonly<Record<string, string | Uint8Array>>;
  modelCard: string;
  /** The `job.json` document (job id, resolved spec, dataset, training summary). */
  job: unknown;
}

/**
 * `preprocess.json`: the eval transform serving applies (the training recipe stays in `job.json`).
 * @example
 * const text = preprocessFile(resolvePreprocessSpec({ size: 224 }));
 */
export function preprocessFile(p: PreprocessSpec): string {
  return JSON.stringify({
    size: p.size,
    resize: p.resize,
    mean: p.mean,
    std: p.std,
    interpolation: "bilinear",
    ...(p.inChannels !== 3 ? { inChannels: p.inChannels } : {}),
  });
}

/**
 * Every file of the version, by name.
 * @example
 * const files = await trainedVersionFiles(version); // { "model.json": …, "model.onnx": …, … }
 */
export async function trainedVersionFiles(v: TrainedVersion): Promise<Record<string, PublishBody>> {
  return {
    ...(await tfjsModelFiles(v.model)),
    "model.onnx": v.onnx,
    "labels.json": JSON.stringify(v.labels),
    "preprocess.json": preprocessFile(v.preprocess),
    "metrics.json": JSON.stringify(v.metrics, null, 2),
    "calibration.json": JSON.stringify(v.calibration),
    "centroids.json": JSON.stringify(v.centroids),
    ...(v.neighbours
      ? {
          [NEIGHBOURS_JSON]: JSON.stringify(v.neighbours.index),
          [NEIGHBOURS_BIN]: v.neighbours.bin,
          ...(v.neighbours.thumbs ? { [NEIGHBOURS_THUMBS]: v.neighbours.thumbs } : {}),
        }
      : {}),
    ...v.pictures,
    "model-card.md": v.modelCard,
    "job.json": JSON.stringify(v.job, null, 2),
  };
}

/**
 * Publish a trained version as `models/<name>/<version>/` (then `latest`).
 * @example
 * const { version } = await publishTrainedVersion(store, "flowers", "20251127T162135123Z-3f9a", trained);
 */
export async function publishTrainedVersion(
  store: ObjectStore,
  name: string,
  version: string,
  v: TrainedVersion,
  jobId?: string,
): Promise<PublishedModel> {
  const files = await trainedVersionFiles(v);
  return publishModel(store, { name, version, files, ...(jobId !== undefined ? { jobId } : {}) });
}
