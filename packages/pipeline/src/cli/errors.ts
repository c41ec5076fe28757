import { isResidualError } from "../errors.js";
import { translateError } from "../translate-error.js";

/**
 * One line saying what went wrong (and, for our own errors, its code); the stack only when asked.
 * @example
 * process.stderr.write(`${formatCliError(err, false)}\n`); // "residual: error [model_not_found]: …"
 */
export function formatCliError(err: unknown, verbose: boolean): string {
  const translated = translateError(err);
  const e = translated instanceof Error ? translated : new Error(String(translated));
  const code = isResidualError(e) ? ` [${e.code}]` : "";
  const issues =
    isResidualError(e) && e.issues?.length
      ? `\n${e.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}`
      : "";
  const head = `residual: error${code}: ${e.message}${issues}`;
  return verbose && e.stack ? `${head}\n${e.stack}` : head;
}
