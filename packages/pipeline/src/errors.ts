/**
 * The error hierarchy of @residual/pipeline. Every error has a stable `code` (API clients and tests match on it),
 * an HTTP-ish `status` the API maps in one place, and `permanent`: permanent errors fail a job and delete its
 * message; transient ones leave the message for redelivery.
 */

/**
 * One structured problem (zod's shape): where, a stable code, and a message.
 * @example
 * const issue: ErrorIssue = { path: ["images", 0, "base64"], code: "invalid_base64", message: "not valid base64" };
 */
export interface ErrorIssue {
  path: (string | number)[];
  code: string;
  message: string;
}

/**
 * What a {@link ResidualError} may carry besides its code and message.
 * @example
 * new InvalidInputError("invalid_config", "bad environment", { issues, cause: err });
 */
export interface ResidualErrorOptions {
  cause?: unknown;
  issues?: ErrorIssue[];
}

/**
 * Root of the pipeline's errors: a stable `code`, the HTTP `status` the API answers with, and `permanent`.
 * Used directly for deliberate server-side failures (500 with the message kept).
 * @example
 * throw new ResidualError("backend_unavailable", "no tfjs backend loads on this machine");
 */
export class ResidualError extends Error {
  override readonly name: string = "ResidualError";
  readonly code: string;
  readonly status: number = 500;
  readonly permanent: boolean = false;
  readonly issues: ErrorIssue[] | undefined;

  constructor(code: string, message: string, options: ResidualErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues;
  }
}

/** The error class of one kind: its `name`, HTTP status and permanence, declared once. */
function errorKind(name: string, status: number, permanent: boolean) {
  return class extends ResidualError {
    override readonly name: string = name;
    override readonly status: number = status;
    override readonly permanent: boolean = permanent;
  };
}

/**
 * The caller's input is wrong (bad option, bad spec, bad request body, bytes that are no image): 400.
 * @example
 * throw new InvalidInputError("invalid_request", "request body does not match the schema", { issues });
 */
export class InvalidInputError extends errorKind("InvalidInputError", 400, true) {}

/**
 * A model file in the bucket that cannot be read (corrupt JSON, an ONNX graph ORT refuses, a missing shard): the
 * server's fault, not the caller's, so 500 with the message kept; permanent (retrying reads the same bytes).
 * @example
 * throw new StoredModelError("invalid_model_file", "models/flowers/v1/labels.json is not valid JSON");
 */
export class StoredModelError extends errorKind("StoredModelError", 500, true) {}

/**
 * A trained model whose serving path disagrees with the trainer (train/serve parity, serving-parity.ts): the job
 * fails for good and nothing is published.
 * @example
 * throw new ParityError("serving_parity_mismatch", "max |Δp| 0.41 > 0.02 on 8 validation images");
 */
export class ParityError extends errorKind("ParityError", 500, true) {}

/**
 * A request without valid credentials (the local server's bearer token): 401.
 * @example
 * throw new UnauthorizedError("unauthorized", "send Authorization: Bearer <token>");
 */
export class UnauthorizedError extends errorKind("UnauthorizedError", 401, true) {}

/**
 * A request the server refuses whoever sends it (a Host header that does not name the server): 403.
 * @example
 * throw new ForbiddenError("host_not_allowed", 'Host "evil.example" is not a name of this server');
 */
export class ForbiddenError extends errorKind("ForbiddenError", 403, true) {}

/**
 * A model, version, job, route or object that does not exist: 404.
 * @example
 * throw new NotFoundError("model_not_found", `model "flowers" does not exist`);
 */
export class NotFoundError extends errorKind("NotFoundError", 404, true) {}

/**
 * A route that exists, asked with a method it does not take: 405.
 * @example
 * throw new MethodNotAllowedError("method_not_allowed", "DELETE is not allowed on /v1/models");
 */
export class MethodNotAllowedError extends errorKind("MethodNotAllowedError", 405, true) {}

/**
 * A dataset that cannot be trained on (bad archive, too few classes, …): 422. Fails the job; never retried.
 * @example
 * throw new DatasetError("too_few_classes", "a dataset needs at least two classes");
 */
export class DatasetError extends errorKind("DatasetError", 422, true) {}

/**
 * A request or object over a size limit: 413.
 * @example
 * throw new PayloadTooLargeError("body_too_large", "request body exceeds 6291456 bytes");
 */
export class PayloadTooLargeError extends errorKind("PayloadTooLargeError", 413, true) {}

/**
 * A Content-Type the API does not take: 415.
 * @example
 * throw new UnsupportedMediaTypeError("unsupported_media_type", 'Content-Type "text/plain" is not supported');
 */
export class UnsupportedMediaTypeError extends errorKind("UnsupportedMediaTypeError", 415, true) {}

/**
 * A conditional write lost the race (object already exists): 409.
 * @example
 * throw new ConflictError("already_exists", "an object already exists at jobs/j1/status.json");
 */
export class ConflictError extends errorKind("ConflictError", 409, true) {}

/**
 * Infrastructure trouble (throttling, 5xx, network): 503, retry later (a job's message is redelivered).
 * @example
 * throw new TransientError("aws_unavailable", "GetObject failed: SlowDown; retry later.");
 */
export class TransientError extends errorKind("TransientError", 503, false) {}

/**
 * True for errors of the pipeline's hierarchy.
 * @example
 * if (isResidualError(err) && err.permanent) await failJob(err.code);
 */
export function isResidualError(err: unknown): err is ResidualError {
  return err instanceof ResidualError;
}

/**
 * A zod error's issues as our structured issues (symbol path keys dropped).
 * @example
 * if (!parsed.success) throw new InvalidInputError("invalid_config", "…", { issues: zodIssues(parsed.error) });
 */
export function zodIssues(error: {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; code: string; message: string }>;
}): ErrorIssue[] {
  return error.issues.map((i) => ({
    path: i.path.filter((p): p is string | number => typeof p !== "symbol"),
    code: i.code,
    message: i.message,
  }));
}

/**
 * One line for a message: `a.b: message; (root): message`.
 * @example
 * formatIssues([{ path: ["a", "b"], code: "too_small", message: "too small" }]); // "a.b: too small"
 */
export function formatIssues(issues: readonly ErrorIssue[]): string {
  return issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}
