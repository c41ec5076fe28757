/**
 * The model a job starts from: a pretrained backbone from `backbones/<arch.tag>/`, a published model
 * (`model:<name>[@version]`, incremental training: its head is kept when the label set is the same, in the same
 * order, and reset otherwise), or a fresh seeded init.
 */
import { createResNet, loadResNet, type ResNet } from "@residual/resnet";
import { InvalidInputError } from "../errors.js";
import { LabelsSchema, parseModelFile } from "../registry/model-files.js";
import { resolveModel } from "../registry/read-model.js";
import { resolveBackbone } from "../registry/resolve-backbone.js";
import { objectStoreIOHandler } from "../store/io-handler.js";
import type { ObjectStore } from "../store/object-store.js";
import type { JobSpec } from "./job-spec.js";

/** The `model:` prefix of a `pretrained` value naming a published model. */
export const MODEL_PRETRAINED_PREFIX = "model:";

/**
 * Where a job's weights came from when it started from a published model (`job.json`, `metrics.json`, model card).
 * @example
 * const lineage: Lineage = { parent: "flowers", parentVersion: "20251127T162135123Z-3f9a", head: "kept" };
 */
export interface Lineage {
  parent: string;
  parentVersion: string;
  /** `kept`: same labels, training continues the parent's head; `reset`: other labels, a fresh head. */
  head: "kept" | "reset";
}

/** The starting model and, when it is a published model, its lineage. */
export interface StartingModel {
  model: ResNet;
  lineage?: Lineage;
}

function archMismatch(pretrained: string, arch: string, got: string): InvalidInputError {
  return new InvalidInputError("invalid_job_spec", `pretrained ${pretrained} is not a ${arch} model`, {
    issues: [{ path: ["pretrained"], code: "arch_mismatch", message: `expected ${arch}, found ${got}` }],
  });
}

async function loadBackbone(store: ObjectStore, tag: string): Promise<ResNet> {
  const backbone = await resolveBackbone(store, tag);
  if (!backbone.hasTfjs) {
    throw new InvalidInputError(
      "backbone_not_trainable",
      `backbone ${tag} has no tfjs model.json to fine-tune`,
    );
  }
  return loadResNet(objectStoreIOHandler(store, backbone.prefix));
}

const sameLabels = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((l, i) => l === b[i]);

async function fromModel(
  store: ObjectStore,
  spec: JobSpec,
  classNames: readonly string[],
): Promise<StartingModel> {
  const ref = spec.pretrained!.slice(MODEL_PRETRAINED_PREFIX.length);
  const parent = await resolveModel(store, ref);
  if (!parent.hasTfjs) {
    throw new InvalidInputError(
      "model_not_trainable",
      `model ${ref} has no tfjs model.json to continue from`,
    );
  }
  const labelsKey = `${parent.prefix}labels.json`;
  const labels = (await store.head(labelsKey))
    ? parseModelFile("labels.json", await store.get(labelsKey), LabelsSchema)
    : [];
  const model = await loadResNet(objectStoreIOHandler(store, parent.prefix));
  if (model.config.arch !== spec.arch || model.config.inChannels !== spec.inChannels) {
    const got = `${model.config.arch} with ${model.config.inChannels} channel(s)`;
    model.dispose();
    throw archMismatch(spec.pretrained!, `${spec.arch} with ${spec.inChannels} channel(s)`, got);
  }
  const keep = sameLabels(labels, classNames) && model.config.numClasses === classNames.length;
  if (!keep) model.resetClassifier(classNames.length, spec.seed);
  return {
    model,
    lineage: { parent: parent.name, parentVersion: parent.version, head: keep ? "kept" : "reset" },
  };
}

/**
 * The starting model for `spec` and the dataset's classes: a fresh head (seeded by `spec.seed`) unless it continues
 * a published model with the same labels.
 *
 * @example
 * const { model, lineage } = await trainingModel(store, spec, dataset.classes);
 */
export async function trainingModel(
  store: ObjectStore,
  spec: JobSpec,
  classNames: readonly string[],
): Promise<StartingModel> {
  const numClasses = classNames.length;
  if (!spec.pretrained) {
    return { model: createResNet(spec.arch, { numClasses, seed: spec.seed, inChannels: spec.inChannels }) };
  }
  if (spec.pretrained.startsWith(MODEL_PRETRAINED_PREFIX)) return fromModel(store, spec, classNames);
  if (!spec.pretrained.startsWith(`${spec.arch}.`)) {
    throw archMismatch(spec.pretrained, spec.arch, spec.pretrained);
  }
  const model = await loadBackbone(store, spec.pretrained);
  model.resetClassifier(numClasses, spec.seed);
  return { model };
}
