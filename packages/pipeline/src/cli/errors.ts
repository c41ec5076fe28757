import { isResidualError } from "../errors.js";

/** One line saying what went wrong (and, for our own errors, its code); the stack only when asked. */
export function formatCliError(err: unknown, verbose: boolean): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = isResidualError(e) ? ` [${e.code}]` : "";
  const issues =
    isResidualError(e) && e.issues?.length
      ? `\n${e.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}`
      : "";
  const head = `residual: error${code}: ${e.message}${issues}`;
  return verbose && e.stack ? `${head}\n${e.stack}` : head;
}
