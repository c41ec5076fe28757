/**
 * The local processes' log lines (`residual start/serve/worker`): plain text as before, or with
 * `--log-format json` one JSON object per line with the fields Powertools Logger writes in Lambda (`level`,
 * `message`, `timestamp`, `service`) plus `jobId` or `requestId`, so one log query works on both. A line that
 * belongs to no job and no request (startup, the worker's queue polling, the watcher's own failures) says so with
 * `"scope": "process"`, so every JSON line names what it is about.
 */
import { z } from "zod";

/**
 * How a local process writes its log.
 * @example
 * const format: LogFormat = "json";
 */
export type LogFormat = "text" | "json";

/**
 * The `--log-format` option's schema.
 * @example
 * LogFormatSchema.parse("json"); // "json"
 */
export const LogFormatSchema = z.enum(["text", "json"]).default("text");

/**
 * Fields of one structured line besides level and message.
 * @example
 * const fields: LogFields = { requestId: "7f3a…", route: "classify", status: 200 };
 */
export type LogFields = Readonly<Record<string, unknown>> & {
  jobId?: string;
  requestId?: string;
  /** `"process"` on lines about the process itself (set by the logger when neither id is there). */
  scope?: string;
};

/**
 * A logger: `line` for the existing text lines (a `job <id>: …` line carries its job id), `entry` for
 * structured ones.
 * @example
 * const log = lineLogger("json", "residual-start");
 * log.line("job shapes-1f3c: epoch 1/3"); // {"level":"INFO","message":"epoch 1/3","jobId":"shapes-1f3c",…}
 */
export interface LineLogger {
  readonly format: LogFormat;
  line(text: string): void;
  entry(level: "INFO" | "WARN" | "ERROR", message: string, fields?: LogFields): void;
}

const JOB_LINE = /^job ([a-z0-9][a-z0-9._-]*): ([\s\S]*)$/;
/** A worker's line about a queue message (`message <id>: …`): no job yet, but the message it is about. */
const MESSAGE_LINE = /^message (\S+): /;

/**
 * A logger writing to `write` (default: stderr) in `format`; JSON entries also carry `always` (a worker's job id).
 * @example
 * const log = lineLogger("text", "residual-serve");
 * log.entry("INFO", "request", { requestId: "1", status: 200 }); // text: "request requestId=1 status=200"
 */
export function lineLogger(
  format: LogFormat,
  service: string,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  always: LogFields = {},
): LineLogger {
  const entry: LineLogger["entry"] = (level, message, fields = {}) => {
    if (format === "json") {
      const at = new Date().toISOString();
      const ids = { ...always, ...fields };
      const scope = ids.jobId || ids.requestId || ids.scope ? {} : { scope: "process" };
      write(JSON.stringify({ level, message, timestamp: at, service, ...ids, ...scope }));
      return;
    }
    const rest = Object.entries(fields).map(
      ([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`,
    );
    write([message, ...rest].join(" "));
  };
  return {
    format,
    entry,
    line(text) {
      if (format === "text") return write(text);
      const job = JOB_LINE.exec(text);
      const level = /\b(failed|error)\b/i.test(text) ? "ERROR" : "INFO";
      const queueMessage = MESSAGE_LINE.exec(text);
      if (job) entry(level, job[2]!, { jobId: job[1]! });
      else if (queueMessage) entry(level, text, { messageId: queueMessage[1]! });
      else entry(level, text);
    },
  };
}
