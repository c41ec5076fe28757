/**
 * The one error hierarchy of @residual/resnet. The package knows nothing of the pipeline, so it carries its own
 * root, {@link ResNetError}; every error has a stable snake_case `code` (the same case as the pipeline's codes)
 * that callers branch on, never the message, and says whether retrying can help (`retryable`).
 */

/**
 * Codes of the model core: architectures, options, weights, saved models, tensors.
 * @example
 * const code: ModelErrorCode = "invalid_model_file";
 */
export type ModelErrorCode =
  | "unknown_arch"
  | "invalid_options"
  | "invalid_stage"
  | "weights_mismatch"
  | "invalid_model_file"
  | "model_not_found"
  | "invalid_input"
  | "disposed";

/**
 * Codes of the file formats (`.npy`, safetensors).
 * @example
 * const code: FormatErrorCode = "npy_truncated";
 */
export type FormatErrorCode =
  | "npy_bad_magic"
  | "npy_bad_header"
  | "npy_unsupported_dtype"
  | "npy_fortran_order"
  | "npy_truncated"
  | "npy_trailing_data"
  | "safetensors_bad_header"
  | "safetensors_truncated"
  | "safetensors_bad_offsets"
  | "safetensors_unsupported_dtype"
  | "safetensors_missing_tensor";

/**
 * Codes of weights that do not fit the model or the registry.
 * @example
 * const code: WeightsErrorCode = "weights_unknown_tag";
 */
export type WeightsErrorCode =
  | "weights_unsupported_format"
  | "weights_classes_mismatch"
  | "weights_mismatch"
  | "weights_unknown_tag";

/**
 * Codes of the tfjs backend choice.
 * @example
 * const code: BackendErrorCode = "cpu_not_allowed";
 */
export type BackendErrorCode =
  | "invalid_backend_override"
  | "invalid_threads"
  | "backend_unavailable"
  | "cpu_not_allowed";

/** Codes of the wasm training engine: a network it cannot run (callers fall back to tfjs), a thread that died. */
export type TrainerErrorCode = "trainer_unsupported" | "trainer_failed";

/**
 * Every code a {@link ResNetError} can carry.
 * @example
 * if (isResNetError(err) && (err.code satisfies ResNetErrorCode) === "model_not_found") …
 */
export type ResNetErrorCode =
  | ModelErrorCode
  | FormatErrorCode
  | WeightsErrorCode
  | BackendErrorCode
  | TrainerErrorCode
  | "weights_download_failed";

/**
 * Marks errors of this package without an `instanceof` check, so a caller can recognise them without importing
 * the package (the pipeline's API bundles must not load tfjs just to map an error).
 */
const RESNET_ERROR = Symbol.for("@residual/resnet/error");

/**
 * Root of every error this package throws.
 *
 * @example
 * ```ts
 * try { createResNet("resnet19" as ArchName); } catch (e) { if (e instanceof ResNetError) console.log(e.code); }
 * ```
 */
export class ResNetError extends Error {
  override readonly name: string = "ResNetError";
  readonly code: ResNetErrorCode;
  /** Whether the same call may succeed later (a failed download); false for everything about the input. */
  readonly retryable: boolean = false;

  constructor(code: ResNetErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  /** The brand {@link isResNetError} reads. */
  get [RESNET_ERROR](): true {
    return true;
  }
}

/**
 * True for errors of this package, across bundles and without importing it (the brand is a registered symbol).
 *
 * @example
 * ```ts
 * if (isResNetError(err)) console.log(err.code, err.retryable);
 * ```
 */
export function isResNetError(err: unknown): err is ResNetError {
  return (err as { [RESNET_ERROR]?: unknown } | null)?.[RESNET_ERROR] === true;
}

/**
 * A weight whose shape differs from the model's.
 * @example
 * for (const m of (err as WeightsMismatchError).misshaped) console.log(m.name, m.expected, m.actual);
 */
export interface MisshapedWeight {
  name: string;
  expected: number[];
  actual: number[];
}

/**
 * Weights that do not match the model name-for-name and shape-for-shape. Lists every problem at once so a
 * caller fixes a checkpoint in one round trip.
 *
 * @example
 * ```ts
 * try { model.loadWeights(map); } catch (e) {
 *   if (e instanceof WeightsMismatchError) console.log(e.missing, e.unexpected, e.misshaped);
 * }
 * ```
 */
export class WeightsMismatchError extends ResNetError {
  override readonly name = "WeightsMismatchError";
  readonly missing: string[];
  readonly unexpected: string[];
  readonly misshaped: MisshapedWeight[];

  constructor(missing: string[], unexpected: string[], misshaped: MisshapedWeight[]) {
    super("weights_mismatch", formatMismatch(missing, unexpected, misshaped));
    this.missing = missing;
    this.unexpected = unexpected;
    this.misshaped = misshaped;
  }
}

const LIST_LIMIT = 20;

function formatList(items: string[]): string {
  const head = items.slice(0, LIST_LIMIT).join(", ");
  return items.length > LIST_LIMIT ? `${head}, … (${items.length - LIST_LIMIT} more)` : head;
}

/**
 * One message naming every missing, unexpected and misshaped key (long lists are truncated, fields are not).
 *
 * @example
 * ```ts
 * formatMismatch(["fc.bias"], [], []); // "weights do not match the model: missing 1: fc.bias"
 * ```
 */
export function formatMismatch(
  missing: string[],
  unexpected: string[],
  misshaped: MisshapedWeight[],
): string {
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`missing ${missing.length}: ${formatList(missing)}`);
  if (unexpected.length > 0) parts.push(`unexpected ${unexpected.length}: ${formatList(unexpected)}`);
  if (misshaped.length > 0) {
    const shapes = misshaped.map((m) => `${m.name} expected [${m.expected}] got [${m.actual}]`);
    parts.push(`wrong shape ${misshaped.length}: ${formatList(shapes)}`);
  }
  return `weights do not match the model: ${parts.join("; ")}`;
}

/**
 * The bytes are not a valid file of the expected format (bad magic, truncated, unsupported dtype…).
 *
 * @example
 * ```ts
 * try { parseNpy(bytes) } catch (e) { if (e instanceof FormatError) console.error(e.code) } // "npy_bad_magic"
 * ```
 */
export class FormatError extends ResNetError {
  override readonly name = "FormatError";
  declare readonly code: FormatErrorCode;

  constructor(code: FormatErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/**
 * Weights that do not fit the model or the registry (wrong class count, unknown `arch.tag`, `.pth` files).
 *
 * @example
 * ```ts
 * throw new WeightsError("weights_unknown_tag", "unknown pretrained weights 'resnet9.x'");
 * ```
 */
export class WeightsError extends ResNetError {
  override readonly name = "WeightsError";
  declare readonly code: WeightsErrorCode;

  constructor(code: WeightsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/**
 * A download failed (network error, HTTP status): retrying may help.
 *
 * @example
 * ```ts
 * throw new DownloadError("GET https://… answered 503");
 * ```
 */
export class DownloadError extends ResNetError {
  override readonly name = "DownloadError";
  override readonly retryable = true;
  declare readonly code: "weights_download_failed";

  constructor(message: string, options: { cause?: unknown } = {}) {
    super("weights_download_failed", message, options);
  }
}

/**
 * A tfjs backend could not be chosen: a bad `RESIDUAL_BACKEND`, a requested backend that does not load, or only
 * the (27–59× slower) pure-JS cpu backend left without an explicit opt-in. The message says why and what to do.
 *
 * @example
 * ```ts
 * try { await initBackend(); } catch (e) { if (e instanceof BackendError && e.code === "cpu_not_allowed") … }
 * ```
 */
export class BackendError extends ResNetError {
  override readonly name = "BackendError";
  declare readonly code: BackendErrorCode;

  constructor(code: BackendErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
