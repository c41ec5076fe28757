/**
 * A counting semaphore: caps concurrent store reads + decodes across all prefetched batches, so memory is bounded
 * by `concurrency` compressed images plus `prefetch + 1` batch buffers.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /**
   * Runs `fn` when a slot is free.
   *
   * @example
   * const limiter = new Limiter(8);
   * await limiter.run(() => store.get(key));
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
