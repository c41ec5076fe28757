/**
 * A job's log in the bucket, `jobs/<id>/log.txt`: every line the job writes, timestamped, across attempts (a resumed
 * attempt appends to what the earlier ones left). Objects cannot be appended to, so the whole log is rewritten at
 * each flush; flushes ride on the heartbeat and happen at the end of every attempt.
 */
import type { ObjectStore } from "../store/object-store.js";
import { logKey } from "./keys.js";

export class JobLog {
  private lines: string[];
  private dirty = false;

  private constructor(
    private readonly store: ObjectStore,
    private readonly id: string,
    previous: string,
    private readonly echo: (line: string) => void,
  ) {
    this.lines = previous ? previous.replace(/\n$/, "").split("\n") : [];
  }

  /**
   * @example
   * const log = await JobLog.open(store, "flowers-1a2b", console.error);
   * log.write("epoch 1/10 loss 0.93"); await log.flush();
   */
  static async open(store: ObjectStore, id: string, echo: (line: string) => void): Promise<JobLog> {
    const previous = (await store.head(logKey(id))) ? (await store.get(logKey(id))).toString("utf8") : "";
    return new JobLog(store, id, previous, echo);
  }

  write(line: string): void {
    this.lines.push(`${new Date().toISOString()} ${line}`);
    this.dirty = true;
    this.echo(`job ${this.id}: ${line}`);
  }

  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await this.store.put(logKey(this.id), `${this.lines.join("\n")}\n`, { contentType: "text/plain" });
  }
}
