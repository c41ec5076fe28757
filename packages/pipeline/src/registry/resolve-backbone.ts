/**
 * Base backbones (`backbones/<arch.tag>/`, written by `residual weights fetch/import`): the embedding model used
 * when a request names no model.
 */
import { resolveArchTag } from "@residual/resnet/registry";
import { NotFoundError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { backbonePrefix } from "./keys.js";
import { validateModelName } from "./model-ref.js";
import { modelArtifactsAt, type ResolvedModel } from "./read-model.js";

// The one definition lives with the configuration (importable by the CDK app through `@residual/pipeline/config`).
export { DEFAULT_BACKBONE } from "../config/load-config.js";

/**
 * Resolve `backbones/<arch.tag>/` (a bare arch name: its default tag); the returned `version` is the tag itself
 * (backbones are not versioned).
 * NotFoundError `backbone_not_found` tells the operator how to put one there.
 * @example
 * const b = await resolveBackbone(store, "resnet50.tv2_in1k"); // { name: "resnet50.tv2_in1k", prefix: "backbones/…/" }
 */
export async function resolveBackbone(store: ObjectStore, name: string): Promise<ResolvedModel> {
  // A bare arch name means the same weights here as in `residual weights fetch <arch>`.
  const tag = resolveArchTag(validateModelName(name));
  const prefix = backbonePrefix(tag);
  const artifacts = await modelArtifactsAt(store, prefix);
  if (!artifacts) {
    throw new NotFoundError(
      "backbone_not_found",
      `no backbone "${tag}" at ${store.url}/${prefix} (no model.json or model.onnx); put one there with ` +
        `"residual weights fetch ${tag} --store ${store.url}" or ` +
        `"residual weights import <file.safetensors> --arch <arch> --tag ${tag} --store ${store.url}"`,
    );
  }
  return { name: tag, version: tag, prefix, ...artifacts };
}
