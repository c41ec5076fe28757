/** `--log-format text|json` of `residual start`, `serve` and `worker`, parsed once into the process's logger. */
import type { Command } from "commander";
import { InvalidInputError } from "../errors.js";
import { type LineLogger, type LogFields, LogFormatSchema, lineLogger } from "../log/line-logger.js";

/**
 * Add the option to a command.
 * @example
 * withLogFormatOption(program.command("serve"));
 */
export function withLogFormatOption(cmd: Command): Command {
  return cmd.option(
    "--log-format <format>",
    "text (default) or json: one JSON object per line (level, message, timestamp, service, jobId/requestId)",
  );
}

/**
 * The logger the option asks for.
 * @throws InvalidInputError `invalid_options` for another format.
 * @example
 * const log = cliLogger(opts.logFormat, "residual-serve");
 */
export function cliLogger(raw: unknown, service: string, always: LogFields = {}): LineLogger {
  const parsed = LogFormatSchema.safeParse(raw ?? undefined);
  if (!parsed.success)
    throw new InvalidInputError("invalid_options", `--log-format must be text or json, got ${String(raw)}`);
  return lineLogger(parsed.data, service, undefined, always);
}
