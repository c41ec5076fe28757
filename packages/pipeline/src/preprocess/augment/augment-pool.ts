/**
 * The train augment (crop + Pillow-exact resize + flip + ColorJitter + Normalize, augment.ts) on worker
 * threads, each with its own wasm instance. The main thread also drives sharp and the store, so on a 2-core
 * machine it should only draw parameters and move bytes. Workers write straight into the batch, which is then
 * backed by a SharedArrayBuffer ({@link allocBatch}); the draws stay on the caller, so results are the same bits
 * as the inline {@link augmentInline} whatever the scheduling.
 */
import type { Worker } from "node:worker_threads";
import { ResidualError } from "../../errors.js";
import { startModuleWorker } from "../../workers/module-worker.js";
import { type AugmentJob, augmentInline, checkAugmentJob } from "./augment.js";

/** The worker threads' module: the same augment code, imported (augment-worker.ts). */
const ENTRY = { source: new URL("./augment-worker.ts", import.meta.url), name: "augment" };

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
 * The job with only the crop's rows, in a buffer of their own (transferred to the worker, not cloned). One copy
 * either way: into a transferred ArrayBuffer or into a SharedArrayBuffer measured the same (34–42 µs of CPU per
 * 200×341 RGB rows, both threads, run to run noise larger than the difference), so no shared-memory protocol.
 */
function cropRows(job: AugmentJob): { job: AugmentJob; transfer: ArrayBuffer } {
  const stride = job.width * job.channels;
  // Not `pixels.slice`: on a Buffer (sharp output, cache shards) that is a view, and transferring it would
  // detach the caller's whole buffer.
  const rows = new Uint8Array(job.box.height * stride);
  rows.set(job.pixels.subarray(job.box.top * stride, (job.box.top + job.box.height) * stride));
  const box = { ...job.box, top: 0 };
  return { job: { ...job, pixels: rows, height: job.box.height, box }, transfer: rows.buffer };
}

/**
 * A few worker threads running the augment kernel; `close()` when done (busy workers keep the process alive).
 *
 * @example
 * const pool = new AugmentPool(2);
 * const x = allocBatch(per);
 * await pool.run({ pixels, width, height, channels: 3, box, size: 224, flip, draw, mean, std }, x, 0);
 * await pool.close();
 */
export class AugmentPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(size: number) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = startModuleWorker(ENTRY, {});
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
   * {@link augmentInline} on a worker when `out` is shared memory, inline otherwise. The job's pixels are only
   * read (the crop's rows are copied before this returns), so they may be a view into a larger buffer. Fails with
   * InvalidInputError `augment_job_invalid` (rejects) for a job the kernel cannot run.
   *
   * @example
   * await pool.run(job, x, k * per);
   */
  async run(job: AugmentJob, out: Float32Array, offset: number): Promise<void> {
    // async: a bad job or an inline failure rejects; the body up to the post runs before this returns.
    if (this.closed || !(out.buffer instanceof SharedArrayBuffer)) return augmentInline(job, out, offset);
    checkAugmentJob(job); // a bad job fails here, alone, not on a worker
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    const length = job.size * job.size * job.channels;
    const sent = cropRows(job);
    if (slot.busy++ === 0) slot.worker.ref();
    return new Promise<void>((resolve, reject) => {
      const inline = () => augmentInline(job, out, offset);
      this.pending.set(id, { resolve, reject, inline });
      const msg = { id, job: sent.job, out: out.buffer, byteOffset: out.byteOffset + offset * 4, length };
      slot.worker.postMessage(msg, [sent.transfer]);
    });
  }

  /** Stops the workers; jobs still on them reject, later `run` calls compute inline. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const jobs = [...this.pending.values()];
    this.pending.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    const err = new ResidualError("augment_pool_closed", "train augment pool closed with jobs in flight");
    for (const p of jobs) p.reject(err);
  }

  private settle(slot: Slot, m: { id: number; error?: string }): void {
    if (--slot.busy === 0) slot.worker.unref();
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (!p) return;
    if (m.error)
      p.reject(new ResidualError("augment_worker_failed", `train augment failed on a worker: ${m.error}`));
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
