/**
 * The one place where errors of `@residual/resnet` become the pipeline's: every resnet code is mapped here on
 * purpose (the `Record` over the package's code union fails to compile when a new code appears), so none reaches
 * the API as an accidental 500. The resnet package is recognised by its brand, not imported: the API's bundles
 * must not load tfjs to map an error.
 */
import type { ResNetErrorCode } from "@residual/resnet";
import {
  InvalidInputError,
  NotFoundError,
  ResidualError,
  StoredModelError,
  TransientError,
} from "./errors.js";

type Kind = "invalid" | "not_found" | "transient" | "stored_model" | "server";

const KIND: Record<ResNetErrorCode, Kind> = {
  unknown_arch: "invalid",
  invalid_options: "invalid",
  invalid_stage: "invalid",
  weights_mismatch: "invalid",
  // A stored model that tfjs cannot read: the bucket is at fault, not the caller (500).
  invalid_model_file: "stored_model",
  model_not_found: "not_found",
  invalid_input: "invalid",
  disposed: "transient",
  npy_bad_magic: "invalid",
  npy_bad_header: "invalid",
  npy_unsupported_dtype: "invalid",
  npy_fortran_order: "invalid",
  npy_truncated: "invalid",
  npy_trailing_data: "invalid",
  safetensors_bad_header: "invalid",
  safetensors_truncated: "invalid",
  safetensors_bad_offsets: "invalid",
  safetensors_unsupported_dtype: "invalid",
  safetensors_missing_tensor: "invalid",
  weights_unsupported_format: "invalid",
  weights_classes_mismatch: "invalid",
  weights_unknown_tag: "invalid",
  weights_download_failed: "transient",
  // The machine cannot run tfjs as configured: the operator's problem, said as it is (500, message kept).
  invalid_backend_override: "server",
  invalid_threads: "server",
  backend_unavailable: "server",
  cpu_not_allowed: "server",
  // The trainer falls back to tfjs on an unsupported network; one that still escapes, or a dead engine thread,
  // is a server fault (the job is retried).
  trainer_unsupported: "server",
  trainer_failed: "transient",
};

const RESNET_ERROR = Symbol.for("@residual/resnet/error");

interface ResNetErrorShape extends Error {
  code: ResNetErrorCode;
}

function isResNetError(err: unknown): err is ResNetErrorShape {
  return (err as { [RESNET_ERROR]?: unknown } | null)?.[RESNET_ERROR] === true;
}

/**
 * `err` as a pipeline error when it comes from `@residual/resnet` (same code, same message, the original as
 * `cause`); anything else unchanged.
 *
 * @example
 * try { await loadResNet(dir); } catch (err) { throw translateError(err); } // ResNetError → InvalidInputError
 */
export function translateError(err: unknown): unknown {
  if (!isResNetError(err)) return err;
  const options = { cause: err };
  switch (KIND[err.code] ?? "server") {
    case "invalid":
      return new InvalidInputError(err.code, err.message, options);
    case "not_found":
      return new NotFoundError(err.code, err.message, options);
    case "transient":
      return new TransientError(err.code, err.message, options);
    case "stored_model":
      return new StoredModelError(err.code, err.message, options);
    default:
      return new ResidualError(err.code, err.message, options);
  }
}
