/**
 * The error hierarchy of @residual/pipeline. Every error has a stable `code` (API clients and tests match on it),
 * an HTTP-ish `status` the API maps in one place, and `permanent`: permanent errors fail a job and delete its
 * message; transient ones leave the message for redelivery.
 */
export interface ErrorIssue {
  path: (string | number)[];
  code: string;
  message: string;
}

export interface ResidualErrorOptions {
  cause?: unknown;
  issues?: ErrorIssue[];
}

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

/** The caller's input is wrong (bad option, bad spec, bad request body). */
export class InvalidInputError extends ResidualError {
  override readonly name = "InvalidInputError";
  override readonly status = 400;
  override readonly permanent = true;
}

/** A model, version, job or object that does not exist. */
export class NotFoundError extends ResidualError {
  override readonly name = "NotFoundError";
  override readonly status = 404;
  override readonly permanent = true;
}

/** A dataset that cannot be trained on (bad archive, too few classes, …). Fails the job; never retried. */
export class DatasetError extends ResidualError {
  override readonly name = "DatasetError";
  override readonly status = 422;
  override readonly permanent = true;
}

export class PayloadTooLargeError extends ResidualError {
  override readonly name = "PayloadTooLargeError";
  override readonly status = 413;
  override readonly permanent = true;
}

export class UnsupportedMediaTypeError extends ResidualError {
  override readonly name = "UnsupportedMediaTypeError";
  override readonly status = 415;
  override readonly permanent = true;
}

/** A conditional write lost the race (object already exists). */
export class ConflictError extends ResidualError {
  override readonly name = "ConflictError";
  override readonly status = 409;
  override readonly permanent = true;
}

/** Infrastructure trouble (throttling, 5xx, network): retry later. */
export class TransientError extends ResidualError {
  override readonly name = "TransientError";
  override readonly status = 503;
  override readonly permanent = false;
}

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

/** One line for a message: `a.b: message; (root): message`. */
export function formatIssues(issues: readonly ErrorIssue[]): string {
  return issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}
