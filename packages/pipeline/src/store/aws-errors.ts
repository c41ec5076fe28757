/**
 * Mapping of AWS SDK errors to the pipeline's error hierarchy, in one place for S3 and SQS: missing things are
 * NotFoundError, lost conditional writes are ConflictError, throttling/5xx/network trouble is TransientError (the
 * message is redelivered), and everything else a ResidualError that keeps the SDK error as `cause`.
 */
import { ConflictError, NotFoundError, ResidualError, TransientError } from "../errors.js";

interface SdkErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const THROTTLING = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestTimeout",
  "RequestTimeoutException",
  "ServiceUnavailable",
  "InternalError",
  "TimeoutError",
  "AbortError",
]);
const NETWORK = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);

/** HTTP status of an SDK error, if the service answered at all. */
export function sdkStatus(err: unknown): number | undefined {
  return (err as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** True when `err` is worth retrying later: throttling, a 5xx, or no answer from the service at all. */
export function isTransientSdkError(err: unknown): boolean {
  const e = (err ?? {}) as SdkErrorShape;
  const status = sdkStatus(err);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return THROTTLING.has(e.name ?? "") || NETWORK.has(e.code ?? "") || e.$retryable !== undefined;
}

/**
 * Turn an SDK error from `what` (e.g. `GetObject s3://b/k`) into a pipeline error.
 *
 * @example
 * try { await client.send(cmd); } catch (err) { throw mapAwsError(err, "GetObject s3://b/k"); }
 */
export function mapAwsError(err: unknown, what: string): ResidualError {
  if (err instanceof ResidualError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? "Error";
  const status = sdkStatus(err);
  const detail = `${what} failed: ${name}${status === undefined ? "" : ` (HTTP ${status})`}`;
  if (name === "NoSuchBucket")
    return new NotFoundError("bucket_not_found", `${detail}: the bucket does not exist.`, { cause: err });
  if (name === "QueueDoesNotExist" || name === "AWS.SimpleQueueService.NonExistentQueue") {
    return new NotFoundError("queue_not_found", `${detail}: the queue does not exist.`, { cause: err });
  }
  if (name.endsWith("MessageNotInflight") || name.endsWith("ReceiptHandleIsInvalid")) {
    return new NotFoundError("message_not_inflight", `${detail}: the message is no longer in flight.`, {
      cause: err,
    });
  }
  if (name === "NoSuchKey" || name === "NotFound" || status === 404) {
    return new NotFoundError("object_not_found", `${detail}: no such object.`, { cause: err });
  }
  if (name === "PreconditionFailed" || status === 412) {
    return new ConflictError("already_exists", `${detail}: an object already exists at the key.`, {
      cause: err,
    });
  }
  if (name === "ConditionalRequestConflict") {
    return new TransientError(
      "conditional_conflict",
      `${detail}: a concurrent conditional write is in progress.`,
      { cause: err },
    );
  }
  if (isTransientSdkError(err))
    return new TransientError("aws_unavailable", `${detail}; retry later.`, { cause: err });
  return new ResidualError("aws_error", `${detail}: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  });
}
