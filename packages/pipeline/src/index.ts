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
