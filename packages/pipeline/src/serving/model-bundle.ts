/**
 * Everything serving needs of one model version, loaded once: the engine plus preprocessing, labels,
 * calibration and centroids.
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
  };
}
