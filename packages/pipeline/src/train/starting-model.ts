/** The model a job starts from: a pretrained backbone from `backbones/<arch.tag>/` or a fresh seeded init. */
import { createResNet, loadResNet, type ResNet } from "@residual/resnet";
import { InvalidInputError } from "../errors.js";
import { resolveBackbone } from "../registry/resolve-backbone.js";
import { objectStoreIOHandler } from "../store/io-handler.js";
import type { ObjectStore } from "../store/object-store.js";
import type { JobSpec } from "./job-spec.js";

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

/**
 * The starting model for `spec` with a fresh `numClasses` head (seeded by `spec.seed`).
 *
 * @example
 * const model = await trainingModel(store, spec, dataset.classes.length);
 */
export async function trainingModel(store: ObjectStore, spec: JobSpec, numClasses: number): Promise<ResNet> {
  if (!spec.pretrained) {
    return createResNet(spec.arch, { numClasses, seed: spec.seed, inChannels: spec.inChannels });
  }
  if (!spec.pretrained.startsWith(`${spec.arch}.`)) {
    throw new InvalidInputError(
      "invalid_job_spec",
      `pretrained ${spec.pretrained} is not a ${spec.arch} backbone`,
      {
        issues: [{ path: ["pretrained"], code: "arch_mismatch", message: `expected '${spec.arch}.<tag>'` }],
      },
    );
  }
  const model = await loadBackbone(store, spec.pretrained);
  model.resetClassifier(numClasses, spec.seed);
  return model;
}
