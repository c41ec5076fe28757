/**
 * The ONE mapping from errors to HTTP responses. Our errors carry `status` (errors of `@residual/resnet` are
 * translated first, `translate-error.ts`); anything else is a 500 whose details stay in the log, never in the
 * response.
 */
import { isResidualError } from "../../errors.js";
import { translateError } from "../../translate-error.js";

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    issues?: { path: (string | number)[]; code: string; message: string }[];
  };
}

/**
 * A message as a client may see it: the local store's absolute `file://` locations (this machine's directories)
 * are not the client's business.
 */
function publicMessage(message: string): string {
  return message.replace(/file:\/\/\/[^\s"'`]*/g, "<local store>");
}

/**
 * The one mapping from an error to an HTTP response (resnet errors translated first; others an opaque 500; no
 * local `file://` path in a message).
 * @example
 * errorResponse(new NotFoundError("model_not_found", "…")) // { status: 404, body: { error: { code, message } } }
 */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  const err = translateError(error);
  if (isResidualError(err)) {
    return {
      status: err.status,
      body: {
        error: {
          code: err.code,
          message: publicMessage(err.message),
          ...(err.issues?.length ? { issues: err.issues } : {}),
        },
      },
    };
  }
  return { status: 500, body: { error: { code: "internal_error", message: "internal server error" } } };
}
