/**
 * A small in-process metrics registry (counters, gauges, histograms with labels) and its Prometheus text
 * exposition (format 0.0.4). Collectors run before each scrape, for values read on demand (job counts).
 */

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>;

interface Series {
  labels: Labels;
  value: number;
  /** Histograms: the count of observations in each bucket (made cumulative when printed) and their sum. */
  buckets?: number[];
  sum?: number;
}

/**
 * One metric family: a name, help text, a type and its series by label set.
 * @example
 * const c = registry.counter("residual_requests_total", "Requests"); c.inc({ route: "classify" });
 */
export class Metric {
  private readonly series = new Map<string, Series>();
  private readonly listeners: Array<(value: number, labels: Labels) => void> = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
    readonly bucketBounds: readonly number[] = [],
  ) {}

  private static key(labels: Labels): string {
    return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
  }

  private at(labels: Labels): Series {
    const key = Metric.key(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, value: 0 };
      if (this.type === "histogram") {
        s.buckets = this.bucketBounds.map(() => 0);
        s.sum = 0;
      }
      this.series.set(key, s);
    }
    return s;
  }

  /** Counters and gauges: add `by` (default 1). */
  inc(labels: Labels = {}, by = 1): void {
    this.at(labels).value += by;
  }

  /** Gauges: set the value. */
  set(value: number, labels: Labels = {}): void {
    this.at(labels).value = value;
  }

  /** Call `fn` with every later observation (the Lambdas write each one as an EMF value). */
  listen(fn: (value: number, labels: Labels) => void): void {
    this.listeners.push(fn);
  }

  /** Histograms: count one observation. */
  observe(value: number, labels: Labels = {}): void {
    for (const fn of this.listeners) fn(value, labels);
    const s = this.at(labels);
    s.value += 1;
    s.sum = (s.sum ?? 0) + value;
    const i = this.bucketBounds.findIndex((b) => value <= b);
    if (i >= 0) s.buckets![i]! += 1;
  }

  /** Forget every series (gauges recomputed from scratch by a collector). */
  reset(): void {
    this.series.clear();
  }

  /** The current value (counters, gauges) or observation count (histograms) of one series; 0 when unseen. */
  value(labels: Labels = {}): number {
    return this.series.get(Metric.key(labels))?.value ?? 0;
  }

  /** The family in Prometheus text format. */
  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of this.series.values()) {
      if (this.type !== "histogram") {
        lines.push(`${this.name}${labelText(s.labels)} ${num(s.value)}`);
        continue;
      }
      let cumulative = 0;
      this.bucketBounds.forEach((b, i) => {
        cumulative += s.buckets![i]!;
        lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: num(b) })} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.value}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum ?? 0)}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.value}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

function num(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  return String(n);
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

/**
 * The metric families of a process.
 * @example
 * const registry = new MetricsRegistry();
 * registry.counter("residual_http_requests_total", "Requests").inc({ route: "healthz", status: "200" });
 * const body = registry.text(); // Prometheus text
 */
export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  private define(name: string, help: string, type: Metric["type"], bounds?: readonly number[]): Metric {
    const existing = this.metrics.get(name);
    if (existing) return existing;
    const m = new Metric(name, help, type, bounds);
    this.metrics.set(name, m);
    return m;
  }

  counter(name: string, help: string): Metric {
    return this.define(name, help, "counter");
  }

  gauge(name: string, help: string): Metric {
    return this.define(name, help, "gauge");
  }

  histogram(name: string, help: string, bounds: readonly number[]): Metric {
    return this.define(
      name,
      help,
      "histogram",
      [...bounds].sort((a, b) => a - b),
    );
  }

  /** Every family in Prometheus text format. */
  text(): string {
    return [...this.metrics.values()].map((m) => m.text()).join("");
  }
}
