/**
 * The ONE mapping from errors to HTTP responses. Our errors carry `status`; anything else is a 500 whose details
 * stay in the log, never in the response.
 */
import { isResidualError, type ResidualError } from "../errors.js";
import { ImageDecodeError } from "../preprocess/errors.js";

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    issues?: { path: (string | number)[]; code: string; message: string }[];
  };
}

/**
 * 415 is for a Content-Type the API does not take. Bytes sent as an image that are no image (ImageDecodeError, which
 * the preprocessing package derives from UnsupportedMediaTypeError for its own reasons) are a bad request: 400.
 */
function statusOf(err: ResidualError): number {
  return err instanceof ImageDecodeError ? 400 : err.status;
}

/**
 * @example
 * errorResponse(new NotFoundError("model_not_found", "…")) // { status: 404, body: { error: { code, message } } }
 */
export function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (isResidualError(err)) {
    return {
      status: statusOf(err),
      body: {
        error: {
          code: err.code,
          message: err.message,
          ...(err.issues?.length ? { issues: err.issues } : {}),
        },
      },
    };
  }
  return { status: 500, body: { error: { code: "internal_error", message: "internal server error" } } };
}
