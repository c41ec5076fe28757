// Public API of @residual/pipeline. Explicit exports only; add new ones here with a one-line edit.
export type { ErrorIssue, ResidualErrorOptions } from "./errors.js";
export {
  ConflictError,
  DatasetError,
  InvalidInputError,
  isResidualError,
  NotFoundError,
  PayloadTooLargeError,
  ResidualError,
  TransientError,
  UnsupportedMediaTypeError,
} from "./errors.js";
export type { ListPage, ObjectInfo, ObjectStore, PutOptions } from "./store/object-store.js";
export * from "./registry/index.js";
export { LocalObjectStore } from "./store/local-object-store.js";
export { S3ObjectStore } from "./store/s3-object-store.js";
export type { S3ObjectStoreConfig } from "./store/s3-config.js";
export { assertValidKey, assertValidPrefix, compareKeys } from "./store/keys.js";
export { openObjectStore, type OpenObjectStoreOptions } from "./store/open-object-store.js";
export { parseS3Url, type S3Location } from "./store/s3-url.js";
export type { ImageErrorCode } from "./preprocess/errors.js";
export { ImageDecodeError, ImageTooLargeError, toImageError } from "./preprocess/errors.js";
export type { Interpolation, PreprocessSpec, PreprocessSpecInput } from "./preprocess/spec.js";
export { IMAGENET_MEAN, IMAGENET_STD, PreprocessSpecSchema, resolvePreprocessSpec } from "./preprocess/spec.js";
export type { ImageHeader, ImageInput, RawImage } from "./preprocess/decode.js";
export type { EvalOptions } from "./preprocess/eval.js";
export { centerCropOffsets, preprocessEval, preprocessEvalRaw, resizedSize } from "./preprocess/eval.js";
export type { TrainAugment } from "./preprocess/train.js";
export { DEFAULT_TRAIN_AUGMENT, preprocessTrain, TrainAugmentSchema } from "./preprocess/train.js";
export type { Rng } from "./preprocess/random.js";
export { createRng, permutation } from "./preprocess/random.js";
export { randomResizedCropBox } from "./preprocess/random-resized-crop.js";
