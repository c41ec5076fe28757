/**
 * Errors of the weights and file-format code of @residual/resnet. The package knows nothing of the pipeline, so it
 * carries its own small hierarchy; every error has a stable `code` that callers (the CLI, the pipeline) match on.
 */
export type ResNetIoErrorCode =
  | "NPY_BAD_MAGIC"
  | "NPY_BAD_HEADER"
  | "NPY_UNSUPPORTED_DTYPE"
  | "NPY_FORTRAN_ORDER"
  | "NPY_TRUNCATED"
  | "NPY_TRAILING_DATA"
  | "SAFETENSORS_BAD_HEADER"
  | "SAFETENSORS_TRUNCATED"
  | "SAFETENSORS_BAD_OFFSETS"
  | "SAFETENSORS_UNSUPPORTED_DTYPE"
  | "SAFETENSORS_MISSING_TENSOR"
  | "WEIGHTS_UNSUPPORTED_FORMAT"
  | "WEIGHTS_CLASSES_MISMATCH"
  | "WEIGHTS_MISMATCH"
  | "WEIGHTS_UNKNOWN_TAG"
  | "WEIGHTS_DOWNLOAD_FAILED";

/** Base class: a file or download that cannot be used as asked. */
export class ResNetIoError extends Error {
  override readonly name: string = "ResNetIoError";
  readonly code: ResNetIoErrorCode;

  /**
   * @example
   * throw new ResNetIoError("NPY_BAD_MAGIC", "x.npy is not a .npy file (bad magic)");
   */
  constructor(code: ResNetIoErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/**
 * The bytes are not a valid file of the expected format (bad magic, truncated, unsupported dtype…). Permanent.
 * @example
 * try { parseNpy(bytes) } catch (e) { if (e instanceof FormatError) console.error(e.code) }
 */
export class FormatError extends ResNetIoError {
  override readonly name = "FormatError";
}

/**
 * Weights that do not fit the model or the registry (wrong class count, unknown `arch.tag`, `.pth` files). Permanent.
 * @example
 * throw new WeightsError("WEIGHTS_UNKNOWN_TAG", "unknown pretrained weights 'resnet9.x'");
 */
export class WeightsError extends ResNetIoError {
  override readonly name = "WeightsError";
}

/**
 * A download failed (network error, HTTP status). Transient: retrying may help.
 * @example
 * throw new DownloadError("WEIGHTS_DOWNLOAD_FAILED", "GET https://… answered 503");
 */
export class DownloadError extends ResNetIoError {
  override readonly name = "DownloadError";
}
