/**
 * Picks, batch by batch, the faster of a few ONNX Runtime thread counts for the prefix fill. On a dedicated
 * machine intra-op threads = cores wins (measured here: 2.2 vs 4.3 ms/image for resnet18@112 on 2 cores); on an
 * oversubscribed one a single thread wins (9.1 vs 12.4 ms/image at load ~7), because every op ends in a barrier
 * that waits for whichever pool thread the OS descheduled. Image decoding on libuv threads during the fill is the
 * everyday case of that. A tiny bandit: try each option `warmup` times, then exploit the lowest moving average
 * of ms per image and re-try the others every `exploreEvery` batches, since contention comes and goes.
 */

export interface ThreadCountBanditOptions {
  /** Batches each option runs before exploiting. @default 2 */
  warmup?: number;
  /** Every n-th batch goes to the least recently tried other option. @default 8 */
  exploreEvery?: number;
  /** Weight of the newest measurement in the moving average. @default 0.3 */
  alpha?: number;
}

/**
 * Chooses among `options` (thread counts) by measured cost per item.
 * @example
 * const bandit = new ThreadCountBandit([2, 1]);
 * const i = bandit.next(); // run with bandit.options[i] threads, then:
 * bandit.record(i, elapsedMs, images);
 */
export class ThreadCountBandit {
  private readonly cost: Array<number | undefined>;
  private readonly runs: number[];
  private readonly lastUsed: number[];
  private batch = 0;
  private readonly o: Required<ThreadCountBanditOptions>;

  /**
   * @example
   * const chooser = new ThreadCountBandit([2, 1]);
   * const i = chooser.next(); // run with options[i] threads, then:
   * chooser.record(i, elapsedMs, images);
   */
  constructor(
    readonly options: readonly number[],
    o: ThreadCountBanditOptions = {},
  ) {
    this.o = { warmup: 2, exploreEvery: 8, alpha: 0.3, ...o };
    this.cost = options.map(() => undefined);
    this.runs = options.map(() => 0);
    this.lastUsed = options.map(() => -1);
  }

  /**
   * Index into `options` for the next batch.
   *
   * @example
   * new ThreadCountBandit([2, 1]).next(); // 0: the first option warms up first
   */
  next(): number {
    this.batch++;
    const cold = this.runs.findIndex((r) => r < this.o.warmup);
    if (cold >= 0) return cold;
    const best = this.best();
    if (this.options.length > 1 && this.batch % this.o.exploreEvery === 0) {
      const others = this.options.map((_, i) => i).filter((i) => i !== best);
      return others.reduce((a, b) => (this.lastUsed[b]! < this.lastUsed[a]! ? b : a));
    }
    return best;
  }

  /**
   * Report how long option `i` took for `items` items.
   *
   * @example
   * chooser.record(0, 140, 32);
   */
  record(i: number, ms: number, items: number): void {
    const per = ms / Math.max(1, items);
    const prev = this.cost[i];
    this.cost[i] = prev === undefined ? per : prev + this.o.alpha * (per - prev);
    this.runs[i] = this.runs[i]! + 1;
    this.lastUsed[i] = this.batch;
  }

  /**
   * The option with the lowest moving cost so far (the first option before any measurement).
   *
   * @example
   * chooser.options[chooser.best()]; // e.g. 1 thread on a busy machine
   */
  best(): number {
    let best = 0;
    this.cost.forEach((c, i) => {
      if (c !== undefined && c < (this.cost[best] ?? Number.POSITIVE_INFINITY)) best = i;
    });
    return best;
  }
}
