/**
 * Micro-batching in front of one model: requests that arrive while a run is in flight (or within `maxWaitMs` of an
 * idle engine receiving one) are concatenated into one batch of at most `maxBatch` images, run once, and the
 * outputs are split back per request. One run at a time: ORT's intra-op threads already use every core, and
 * onnxruntime-node runs on the main thread, so concurrent runs would only queue behind each other anyway.
 */
import { METRICS } from "../metrics/process-metrics.js";
import type { EngineOutput } from "./inference-engine.js";

/** Runs one batch of `n` images of `size`² pixels (NHWC, float32). */
export type BatchRunner = (batch: Float32Array, n: number, size: number) => Promise<EngineOutput>;

export interface MicroBatchOptions {
  /** Most images in one grouped run; a single larger request still runs alone. @default 8 */
  maxBatch?: number;
  /**
   * How long an idle engine waits for company before running a lone request; only while requests have recently
   * overlapped (at concurrency 1 nothing is worth waiting for). @default 2
   */
  maxWaitMs?: number;
}

/** How long one overlap keeps the batcher in waiting mode. */
const OVERLAP_MEMORY_MS = 1000;

interface Pending {
  batch: Float32Array;
  n: number;
  size: number;
  resolve(out: EngineOutput): void;
  reject(err: unknown): void;
}

/** Row-major rows `[start, start + n)` of a `[*, dim]` matrix, as a view (no copy). */
function rows(data: Float32Array, dim: number, start: number, n: number): Float32Array {
  return data.subarray(start * dim, (start + n) * dim);
}

/**
 * Groups concurrent requests for one model into batched runs (the file header says when it waits).
 * @example
 * const batcher = new MicroBatcher((x, n, size) => session.runBatch(x, n, size), { maxBatch: 8 });
 * const [a, b] = await Promise.all([batcher.run(x1, 1, 224), batcher.run(x2, 1, 224)]); // one ORT run
 */
export class MicroBatcher {
  private readonly queue: Pending[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  /** Grouped runs so far and the images they carried (tests and benchmarks read the ratio). */
  readonly stats = { runs: 0, images: 0 };

  constructor(
    private readonly runner: BatchRunner,
    options: MicroBatchOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 8);
    this.maxWaitMs = Math.max(0, options.maxWaitMs ?? 2);
  }

  /** When a request last arrived while a run was in flight: evidence that waiting will fill a batch. */
  private lastOverlapAt = Number.NEGATIVE_INFINITY;

  /** Queue `n` images; resolves with this request's rows only. The caller owns the returned views. */
  run(batch: Float32Array, n: number, size: number): Promise<EngineOutput> {
    if (this.running) this.lastOverlapAt = performance.now();
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, n, size, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    const queued = this.queue.reduce((a, p) => a + p.n, 0);
    const concurrent = performance.now() - this.lastOverlapAt < OVERLAP_MEMORY_MS;
    if (queued >= this.maxBatch || this.maxWaitMs === 0 || !concurrent) {
      void this.drain();
      return;
    }
    this.timer ??= setTimeout(() => void this.drain(), this.maxWaitMs);
  }

  /** Take the next group: same input size as the head, up to `maxBatch` images (the head always goes). */
  private take(): Pending[] {
    const head = this.queue.shift()!;
    const group = [head];
    let images = head.n;
    for (let i = 0; i < this.queue.length && images < this.maxBatch; ) {
      const p = this.queue[i]!;
      if (p.size === head.size && images + p.n <= this.maxBatch) {
        group.push(p);
        images += p.n;
        this.queue.splice(i, 1);
      } else i++;
    }
    return group;
  }

  private async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = true;
    try {
      while (this.queue.length > 0) await this.runGroup(this.take());
    } finally {
      this.running = false;
    }
  }

  private async runGroup(group: Pending[]): Promise<void> {
    const head = group[0]!;
    const n = group.reduce((a, p) => a + p.n, 0);
    let input = head.batch;
    if (group.length > 1) {
      // The one copy micro-batching costs: each request's pixels into the shared input.
      input = new Float32Array(group.reduce((a, p) => a + p.batch.length, 0));
      let offset = 0;
      for (const p of group) {
        input.set(p.batch, offset);
        offset += p.batch.length;
      }
    }
    this.stats.runs += 1;
    this.stats.images += n;
    METRICS.ortBatchSize.observe(n);
    let out: EngineOutput;
    try {
      out = await this.runner(input, n, head.size);
    } catch (err) {
      for (const p of group) p.reject(err);
      return;
    }
    let start = 0;
    for (const p of group) {
      p.resolve({
        features: rows(out.features, out.featureDim, start, p.n),
        logits: rows(out.logits, out.numClasses, start, p.n),
        featureDim: out.featureDim,
        numClasses: out.numClasses,
      });
      start += p.n;
    }
  }
}
