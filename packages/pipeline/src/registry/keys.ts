/** Bucket keys of the registry, in one place: `models/<name>/<version>/<file>`, `models/<name>/latest`, `backbones/<tag>/`. */
import { InvalidInputError } from "../errors.js";

export const MODELS_PREFIX = "models/";
export const BACKBONES_PREFIX = "backbones/";

/** @example modelPrefix("flowers", "v1") // "models/flowers/v1/" */
export function modelPrefix(name: string, version: string): string {
  return `${MODELS_PREFIX}${name}/${version}/`;
}

/** @example latestKey("flowers") // "models/flowers/latest" */
export function latestKey(name: string): string {
  return `${MODELS_PREFIX}${name}/latest`;
}

/** @example backbonePrefix("resnet50.tv2_in1k") // "backbones/resnet50.tv2_in1k/" */
export function backbonePrefix(tag: string): string {
  return `${BACKBONES_PREFIX}${tag}/`;
}

const FILE_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

/**
 * Validate a file path relative to a version directory (`model.json`, `pictures/cm.png`).
 * @example
 * validateFilePath("pictures/confusion.png");
 */
export function validateFilePath(path: string): string {
  if (!FILE_PATH.test(path) || path.split("/").some((s) => s === ".." || s === ".")) {
    throw new InvalidInputError(
      "invalid_model_file",
      `model file path "${path}" must be relative with no ".."`,
    );
  }
  return path;
}
