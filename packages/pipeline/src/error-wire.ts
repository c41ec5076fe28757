/**
 * Errors across a thread boundary: structured clone keeps an Error's message but not its class, so a job thread
 * sends the pipeline error's name, code, issues and message, and the parent rebuilds the same class (permanent
 * or transient, the HTTP status) from them. Anything that is not a pipeline error travels as its message.
 */
import {
  ConflictError,
  DatasetError,
  type ErrorIssue,
  InvalidInputError,
  isResidualError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  ResidualError,
  TransientError,
  UnsupportedMediaTypeError,
} from "./errors.js";
import { translateError } from "./translate-error.js";

/** An error as plain data. */
export interface WireError {
  name: string;
  code?: string;
  message: string;
  issues?: ErrorIssue[];
  stack?: string;
}

const CLASSES: Record<
  string,
  new (
    code: string,
    message: string,
    o?: { issues?: ErrorIssue[] },
  ) => ResidualError
> = {
  ResidualError,
  InvalidInputError,
  NotFoundError,
  MethodNotAllowedError,
  DatasetError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ConflictError,
  TransientError,
};

/**
 * `err` as plain data (resnet errors first become the pipeline's, so their class survives).
 *
 * @example
 * parentPort.postMessage({ type: "error", error: toWireError(err) });
 */
export function toWireError(err: unknown): WireError {
  const e = translateError(err);
  if (isResidualError(e)) {
    return { name: e.name, code: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}) };
  }
  const error = e instanceof Error ? e : new Error(String(e));
  return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
}

/**
 * The error `w` describes: the same pipeline class when it was one, else a plain Error.
 *
 * @example
 * throw fromWireError(message.error);
 */
export function fromWireError(w: WireError): Error {
  const Cls = CLASSES[w.name];
  if (Cls && w.code !== undefined) return new Cls(w.code, w.message, w.issues ? { issues: w.issues } : {});
  const e = new Error(w.message);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}
