/**
 * `pretrained: "auto"` (the default): transfer learning whenever the store holds a pretrained backbone of the arch
 * (`backbones/<arch.tag>/`, seeded by `cdk deploy` or `residual weights fetch`): its default tag first, then the
 * registry's other tags in order (so the `resnet50.tv2_in1k` that `cdk deploy` seeds serves `resnet50` jobs as well);
 * from scratch otherwise. Resolved once,
 * when the job starts; the choice and why go into the log, `job.json` and the model card.
 */
import { PRETRAINED, resolveArchTag } from "@residual/resnet/registry";
import { backbonePrefix } from "../registry/keys.js";
import { resolveModel } from "../registry/read-model.js";
import type { ObjectStore } from "../store/object-store.js";
import type { JobRequest } from "./job-spec.js";
import { MODEL_PRETRAINED_PREFIX } from "./starting-model.js";

/** The input channels of the saved model at `prefix` (its `model.json` config), when it says 1 or 3. */
async function savedChannels(store: ObjectStore, prefix: string): Promise<1 | 3 | undefined> {
  const key = `${prefix}model.json`;
  if (!(await store.head(key))) return undefined;
  try {
    const topology = (JSON.parse((await store.get(key)).toString("utf8")) as { modelTopology?: unknown })
      .modelTopology as { config?: { inChannels?: unknown } } | undefined;
    const c = topology?.config?.inChannels;
    return c === 1 || c === 3 ? c : undefined;
  } catch {
    return undefined; // the starting model's own load reports a bad file
  }
}

/**
 * The request with its input channels taken from the model it starts from, unless the spec sets them: a grey
 * (1-channel) parent continues on one channel, an RGB backbone reads grey data as three equal channels.
 */
async function withStartChannels(store: ObjectStore, req: JobRequest): Promise<JobRequest> {
  const from = req.pretrained;
  if (req.inChannels !== undefined || from === null || from === "auto") return req;
  const prefix = from.startsWith(MODEL_PRETRAINED_PREFIX)
    ? (await resolveModel(store, from.slice(MODEL_PRETRAINED_PREFIX.length))).prefix
    : backbonePrefix(from);
  const inChannels = await savedChannels(store, prefix);
  return inChannels === undefined ? req : { ...req, inChannels };
}

/**
 * The request with `pretrained` decided (`auto` → the default backbone or none) and `pretrainedReason` set.
 *
 * @example
 * const req = await choosePretrained(store, parseJobRequest({ arch: "resnet50" }));
 * req.pretrained; // "resnet50.tv2_in1k" when only backbones/resnet50.tv2_in1k/ is in the store; null when none is
 */
export async function choosePretrained(store: ObjectStore, req: JobRequest): Promise<JobRequest> {
  return withStartChannels(store, await chooseSource(store, req));
}

async function chooseSource(store: ObjectStore, req: JobRequest): Promise<JobRequest> {
  if (req.pretrained !== "auto") {
    const reason = req.pretrained === null ? "none: set in the job spec" : "set in the job spec";
    return { ...req, pretrainedReason: req.pretrainedReason ?? reason };
  }
  const tag = resolveArchTag(req.arch);
  if (!tag.includes(".")) {
    return { ...req, pretrained: null, pretrainedReason: `auto: no pretrained weights for ${req.arch}` };
  }
  const others = PRETRAINED.filter((p) => p.arch === req.arch && p.archTag !== tag).map((p) => p.archTag);
  for (const candidate of [tag, ...others]) {
    const at = backbonePrefix(candidate);
    if (await store.head(`${at}model.json`)) {
      return { ...req, pretrained: candidate, pretrainedReason: `auto: ${at} is in the store` };
    }
  }
  const prefix = backbonePrefix(tag);
  return {
    ...req,
    pretrained: null,
    pretrainedReason: `auto: no ${prefix} in the store (put it there with "residual weights fetch ${tag}")`,
  };
}
