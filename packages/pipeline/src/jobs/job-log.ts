/**
 * A job's log in the bucket, `jobs/<id>/log.txt`: every line the job writes, timestamped, across attempts. The log
 * is append-only: objects cannot be appended to, so each flush appends the lines written since the last one to
 * the log as it is now, with a compare-and-swap (`ifMatch`, or `ifAbsent` for the first line), so two attempts
 * that overlap (a takeover) both keep their lines. Flushes ride on the heartbeat and end every attempt.
 */
import { ConflictError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { logKey } from "./keys.js";

const APPEND_ATTEMPTS = 8;

export class JobLog {
  private pending: string[] = [];
  private flushing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: ObjectStore,
    private readonly id: string,
    private readonly echo: (line: string) => void,
  ) {}

  /**
   * @example
   * const log = await JobLog.open(store, "flowers-1a2b", console.error);
   * log.write("epoch 1/10 loss 0.93"); await log.flush();
   */
  static async open(store: ObjectStore, id: string, echo: (line: string) => void): Promise<JobLog> {
    return new JobLog(store, id, echo);
  }

  write(line: string): void {
    this.pending.push(`${new Date().toISOString()} ${line}`);
    this.echo(`job ${this.id}: ${line}`);
  }

  /** Append what was written since the last flush (flushes run one at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.catch(() => undefined).then(() => this.append());
    return this.flushing;
  }

  private async append(): Promise<void> {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    try {
      await this.appendLines(`${lines.join("\n")}\n`);
    } catch (err) {
      this.pending = [...lines, ...this.pending]; // kept for the next flush
      throw err;
    }
  }

  private async appendLines(text: string): Promise<void> {
    const key = logKey(this.id);
    for (let attempt = 1; ; attempt++) {
      const info = await this.store.head(key);
      const before = info ? (await this.store.get(key)).toString("utf8") : "";
      const sep = before === "" || before.endsWith("\n") ? "" : "\n";
      try {
        await this.store.put(key, `${before}${sep}${text}`, {
          contentType: "text/plain",
          ...(info ? { ifMatch: info.etag } : { ifAbsent: true }),
        });
        return;
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= APPEND_ATTEMPTS) throw err;
      }
    }
  }
}
