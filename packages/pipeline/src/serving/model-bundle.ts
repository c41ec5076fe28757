/**
 * Everything serving needs of one model version, loaded once: the engine plus preprocessing, labels,
 * calibration and centroids; the stored validation embeddings (`/v1/neighbours`) on first use.
 */

import type { z } from "zod";
import type { EngineChoice, InferenceEngine } from "../engine/inference-engine.js";
import { openEngine } from "../engine/open-engine.js";
import { type PreprocessSpec, resolvePreprocessSpec } from "../preprocess/spec.js";
import { type Prototypes, PrototypesSchema } from "../prototypes/prototype-files.js";
import {
  type Calibration,
  CalibrationSchema,
  type Centroids,
  CentroidsSchema,
  LabelsSchema,
  parseStoredModelFile,
} from "../registry/model-files.js";
import {
  decodeNeighbours,
  NEIGHBOURS_BIN,
  NEIGHBOURS_JSON,
  NEIGHBOURS_THUMBS,
  NeighboursIndexSchema,
  type StoredNeighbours,
} from "../registry/neighbour-files.js";
import type { ResolvedModel } from "../registry/read-model.js";
import type { ObjectStore } from "../store/object-store.js";

export interface ModelBundle {
  name: string;
  version: string;
  engine: InferenceEngine;
  preprocess: PreprocessSpec;
  labels?: string[];
  calibration?: Calibration;
  centroids?: Centroids;
  /** A prototype model's classes (`prototypes.json`): classify by cosine similarity, not by logits. */
  prototypes?: Prototypes;
  /** The stored validation embeddings, read on the first call (then kept with the model); undefined when none. */
  neighbours(): Promise<StoredNeighbours | undefined>;
  /** Bytes the loaded neighbours hold (0 before the first `neighbours()`), for the cache's budget. */
  neighbourBytes(): number;
}

/** Reads `neighbours.json` + `.bin` (+ thumbnails) once, on first use; a failed read is retried next time. */
function lazyNeighbours(
  store: ObjectStore,
  prefix: string,
): Pick<ModelBundle, "neighbours" | "neighbourBytes"> {
  let loading: Promise<StoredNeighbours | undefined> | undefined;
  let bytes = 0;
  const load = async (): Promise<StoredNeighbours | undefined> => {
    const index = await optionalFile(store, prefix, NEIGHBOURS_JSON, NeighboursIndexSchema);
    if (!index) return undefined;
    const [bin, thumbs] = await Promise.all([
      store.get(`${prefix}${NEIGHBOURS_BIN}`),
      index.thumbnails ? store.get(`${prefix}${NEIGHBOURS_THUMBS}`) : Promise.resolve(undefined),
    ]);
    const stored = decodeNeighbours(index, bin, thumbs);
    bytes = stored.matrix.byteLength + (thumbs?.length ?? 0);
    return stored;
  };
  return {
    neighbours() {
      loading ??= load().catch((err: unknown) => {
        loading = undefined;
        throw err;
      });
      return loading;
    },
    neighbourBytes: () => bytes,
  };
}

async function optionalFile<T>(store: ObjectStore, prefix: string, file: string, schema: z.ZodType<T>) {
  const key = `${prefix}${file}`;
  if (!(await store.head(key))) return undefined;
  return parseStoredModelFile(file, await store.get(key), schema);
}

async function readPreprocess(store: ObjectStore, prefix: string): Promise<PreprocessSpec> {
  const key = `${prefix}preprocess.json`;
  // Backbones may ship no preprocess.json: torchvision's ImageNet eval transform is their contract.
  if (!(await store.head(key))) return resolvePreprocessSpec({});
  let json: unknown;
  try {
    json = JSON.parse((await store.get(key)).toString("utf8"));
  } catch {
    json = undefined;
  }
  return resolvePreprocessSpec(json);
}

/**
 * Load a resolved model's engine and metadata.
 * @example
 * const bundle = await loadModelBundle(store, await resolveModel(store, "flowers"), { kind: "onnx", ortThread: "main" });
 */
export async function loadModelBundle(
  store: ObjectStore,
  model: ResolvedModel,
  choice: EngineChoice,
): Promise<ModelBundle> {
  const { prefix } = model;
  const [preprocess, labels, calibration, centroids, prototypes] = await Promise.all([
    readPreprocess(store, prefix),
    optionalFile(store, prefix, "labels.json", LabelsSchema),
    optionalFile(store, prefix, "calibration.json", CalibrationSchema),
    optionalFile(store, prefix, "centroids.json", CentroidsSchema),
    optionalFile(store, prefix, "prototypes.json", PrototypesSchema),
  ]);
  const engine = await openEngine({ store, ...model }, choice);
  return {
    name: model.name,
    version: model.version,
    engine,
    preprocess,
    ...(labels ? { labels } : {}),
    ...(calibration ? { calibration } : {}),
    ...(centroids ? { centroids } : {}),
    ...(prototypes ? { prototypes } : {}),
    ...lazyNeighbours(store, prefix),
  };
}
