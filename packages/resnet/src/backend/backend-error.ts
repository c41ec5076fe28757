/** Stable codes of {@link BackendError}; callers branch on these, never on messages. */
export type BackendErrorCode =
  | "invalid_backend_override"
  | "invalid_threads"
  | "backend_unavailable"
  | "cpu_not_allowed";

/**
 * A tfjs backend could not be chosen: a bad `RESIDUAL_BACKEND`, a requested backend that does not load, or only
 * the (27–59× slower) pure-JS cpu backend left without an explicit opt-in. The message says why and what to do.
 *
 * @example
 * ```ts
 * try { await initBackend(); } catch (e) { if (e instanceof BackendError && e.code === "cpu_not_allowed") … }
 * ```
 */
export class BackendError extends Error {
  override readonly name = "BackendError";
  readonly code: BackendErrorCode;

  constructor(code: BackendErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
