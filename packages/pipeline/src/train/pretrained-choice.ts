/**
 * `pretrained: "auto"` (the default): transfer learning whenever the store holds the arch's default backbone
 * (`backbones/<arch.tag>/`, seeded by `cdk deploy` or `residual weights fetch`), from scratch otherwise. Resolved once,
 * when the job starts; the choice and why go into the log, `job.json` and the model card.
 */
import { resolveArchTag } from "@residual/resnet/registry";
import { backbonePrefix } from "../registry/keys.js";
import type { ObjectStore } from "../store/object-store.js";
import type { JobRequest } from "./job-spec.js";

/**
 * The request with `pretrained` decided (`auto` → the default backbone or none) and `pretrainedReason` set.
 *
 * @example
 * const req = await choosePretrained(store, parseJobRequest({ arch: "resnet50" }));
 * req.pretrained; // "resnet50.tv2_in1k" when backbones/resnet50.tv2_in1k/ is in the store, else null
 */
export async function choosePretrained(store: ObjectStore, req: JobRequest): Promise<JobRequest> {
  if (req.pretrained !== "auto") {
    const reason = req.pretrained === null ? "none: set in the job spec" : "set in the job spec";
    return { ...req, pretrainedReason: req.pretrainedReason ?? reason };
  }
  const tag = resolveArchTag(req.arch);
  if (!tag.includes(".")) {
    return { ...req, pretrained: null, pretrainedReason: `auto: no pretrained weights for ${req.arch}` };
  }
  const prefix = backbonePrefix(tag);
  if (await store.head(`${prefix}model.json`)) {
    return { ...req, pretrained: tag, pretrainedReason: `auto: ${prefix} is in the store` };
  }
  return {
    ...req,
    pretrained: null,
    pretrainedReason: `auto: no ${prefix} in the store (put it there with "residual weights fetch ${tag}")`,
  };
}
