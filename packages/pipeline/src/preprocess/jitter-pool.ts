/**
 * ColorJitter + Normalize on worker threads. The per-image JS (about half a millisecond for 224², more than
 * libvips' crop+resize from cached pixels) otherwise runs on the main thread, which also drives sharp and the
 * store, so on a 2-core machine one core waited on the other. Workers write straight into the batch, which is
 * then backed by a SharedArrayBuffer ({@link allocBatch}); the draws stay on the caller, so results are the
 * same bits as the inline {@link jitterNormalizeInto} whatever the scheduling.
 */
import { Worker } from "node:worker_threads";
import { ResidualError } from "../errors.js";
import { JITTER_KERNEL_SOURCE, type JitterDraw, jitterNormalizeInto } from "./color-jitter.js";

const WORKER_SOURCE = `${JITTER_KERNEL_SOURCE}
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (m) => {
  try {
    const out = new Float32Array(m.out, m.byteOffset, m.length);
    jitterKernel(m.raw, m.channels, m.draw, m.mean, m.std, out, 0);
    parentPort.postMessage({ id: m.id });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
  /** Recomputes the job on the calling thread (after a worker died). */
  inline: () => void;
}

interface Slot {
  worker: Worker;
  busy: number;
}

/**
 * Allocates a float32 batch the pool's workers can write into.
 *
 * @example
 * const x = allocBatch(n * per);
 */
export function allocBatch(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

/**
 * A few worker threads running the jitter kernel; `close()` when done (workers would keep the process alive).
 *
 * @example
 * const pool = new JitterPool(2);
 * const x = allocBatch(per);
 * await pool.run(raw.data, 3, draw, spec.mean, spec.std, x, 0);
 * await pool.close();
 */
export class JitterPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(size: number) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      const slot: Slot = { worker, busy: 0 };
      worker.on("message", (m: { id: number; error?: string }) => this.settle(slot, m));
      // A dead worker costs speed, not the epoch: its jobs (and all later ones) are computed inline.
      worker.on("error", () => this.abandon());
      worker.on("exit", () => this.abandon());
      worker.unref(); // referenced only while it has work: an idle pool never holds the process open
      this.slots.push(slot);
    }
  }

  /**
   * `jitterNormalizeInto` on a worker when `out` is shared memory, inline otherwise.
   *
   * @example
   * await pool.run(raw.data, 3, draw, spec.mean, spec.std, x, k * per);
   */
  run(
    raw: Uint8Array,
    channels: number,
    draw: JitterDraw,
    mean: readonly number[],
    std: readonly number[],
    out: Float32Array,
    offset: number,
  ): Promise<void> {
    if (this.closed || !(out.buffer instanceof SharedArrayBuffer)) {
      jitterNormalizeInto(raw, channels, draw, mean, std, out, offset);
      return Promise.resolve();
    }
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    if (slot.busy++ === 0) slot.worker.ref();
    return new Promise<void>((resolve, reject) => {
      const inline = () => jitterNormalizeInto(raw, channels, draw, mean, std, out, offset);
      this.pending.set(id, { resolve, reject, inline });
      // The pixels are copied (structured clone, ~150 KB); the output is written in place.
      const msg = { id, raw, channels, draw, mean, std, length: raw.length };
      slot.worker.postMessage({ ...msg, out: out.buffer, byteOffset: out.byteOffset + offset * 4 });
    });
  }

  /** Stops the workers; jobs still on them reject, later `run` calls compute inline. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const jobs = [...this.pending.values()];
    this.pending.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    const err = new ResidualError("jitter_pool_closed", "color jitter pool closed with jobs in flight");
    for (const p of jobs) p.reject(err);
  }

  private settle(slot: Slot, m: { id: number; error?: string }): void {
    if (--slot.busy === 0) slot.worker.unref();
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (!p) return;
    if (m.error)
      p.reject(new ResidualError("jitter_worker_failed", `color jitter failed on a worker: ${m.error}`));
    else p.resolve();
  }

  /** A worker exited or crashed outside close(): stop using workers, finish their jobs here. */
  private abandon(): void {
    if (this.closed) return;
    this.closed = true;
    const jobs = [...this.pending.values()];
    this.pending.clear();
    for (const s of this.slots) void s.worker.terminate();
    for (const p of jobs) {
      try {
        p.inline();
        p.resolve();
      } catch (err) {
        p.reject(err as Error);
      }
    }
  }
}
