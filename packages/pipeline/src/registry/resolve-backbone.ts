/**
 * Base backbones (`backbones/<arch.tag>/`, written by `residual weights fetch/import`): the embedding model used
 * when a request names no model.
 */
import { resolveArchTag } from "@residual/resnet/registry";
import { NotFoundError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { backbonePrefix } from "./keys.js";
import { validateModelName } from "./model-ref.js";
import type { ResolvedModel } from "./read-model.js";

/** The backbone used without `model`: `RESIDUAL_DEFAULT_BACKBONE` or `resnet50.tv2_in1k`. */
export const DEFAULT_BACKBONE = "resnet50.tv2_in1k";

/**
 * The configured default backbone tag.
 * @example
 * defaultBackbone({ RESIDUAL_DEFAULT_BACKBONE: "resnet18.tv_in1k" }) // "resnet18.tv_in1k"
 */
export function defaultBackbone(env: NodeJS.ProcessEnv = process.env): string {
  return env.RESIDUAL_DEFAULT_BACKBONE?.trim() || DEFAULT_BACKBONE;
}

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
  const [onnx, tfjs] = await Promise.all([
    store.head(`${prefix}model.onnx`),
    store.head(`${prefix}model.json`),
  ]);
  if (!onnx && !tfjs) {
    throw new NotFoundError(
      "backbone_not_found",
      `no backbone "${tag}" at ${store.url}/${prefix} (no model.json or model.onnx); put one there with ` +
        `"residual weights fetch ${tag} --store ${store.url}" or ` +
        `"residual weights import <file.safetensors> --arch <arch> --tag ${tag} --store ${store.url}"`,
    );
  }
  return { name: tag, version: tag, prefix, hasOnnx: !!onnx, hasTfjs: !!tfjs };
}
