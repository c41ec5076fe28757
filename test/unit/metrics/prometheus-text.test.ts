/** The metrics registry's Prometheus text format, and the JSON log lines' fields. */
import { lineLogger, METRIC_NAMES, MetricsRegistry, processMetrics } from "@residual/pipeline";
import { describe, expect, it } from "vitest";

describe("MetricsRegistry (Prometheus text 0.0.4)", () => {
  it("prints counters and gauges with HELP, TYPE and escaped, per-series labels", () => {
    const r = new MetricsRegistry();
    const c = r.counter("t_requests_total", "Requests");
    c.inc({ route: "classify", status: "200" });
    c.inc({ status: "200", route: "classify" }, 2); // label order does not make a new series
    c.inc({ route: 'a"b\\c\nd', status: "500" });
    r.gauge("t_bytes", "Bytes").set(42);
    expect(r.text()).toBe(
      [
        "# HELP t_requests_total Requests",
        "# TYPE t_requests_total counter",
        't_requests_total{route="classify",status="200"} 3',
        't_requests_total{route="a\\"b\\\\c\\nd",status="500"} 1',
        "# HELP t_bytes Bytes",
        "# TYPE t_bytes gauge",
        "t_bytes 42",
        "",
      ].join("\n"),
    );
    expect(c.value({ route: "classify", status: "200" })).toBe(3);
    expect(c.value({ route: "never" })).toBe(0);
  });

  it("prints histograms with cumulative buckets, +Inf, _sum and _count", () => {
    const r = new MetricsRegistry();
    const h = r.histogram("t_batch", "Batch sizes", [4, 1, 2]);
    const seen: number[] = [];
    h.listen((v) => seen.push(v));
    for (const v of [1, 2, 2, 3, 9]) h.observe(v);
    expect(r.text().split("\n")).toEqual([
      "# HELP t_batch Batch sizes",
      "# TYPE t_batch histogram",
      't_batch_bucket{le="1"} 1',
      't_batch_bucket{le="2"} 3',
      't_batch_bucket{le="4"} 4',
      't_batch_bucket{le="+Inf"} 5',
      "t_batch_sum 17",
      "t_batch_count 5",
      "",
    ]);
    expect(seen).toEqual([1, 2, 2, 3, 9]);
  });

  it("names every operator metric of the process registry", () => {
    const text = processMetrics().text();
    for (const name of Object.values(METRIC_NAMES)) expect(text).toContain(`# TYPE ${name} `);
  });
});

describe("lineLogger", () => {
  it("writes Powertools-shaped JSON with the job id taken from `job <id>:` lines", () => {
    const out: string[] = [];
    const log = lineLogger("json", "residual-start", (l) => out.push(l));
    log.line("job shapes-1f3c: epoch 1/3 loss 0.9");
    log.line("job shapes-1f3c: failed: dataset_error");
    log.entry("INFO", "request", { requestId: "r-1", status: 200 });
    const [a, b, c] = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({
      level: "INFO",
      message: "epoch 1/3 loss 0.9",
      jobId: "shapes-1f3c",
      service: "residual-start",
    });
    expect(Date.parse(String(a!.timestamp))).not.toBeNaN();
    expect(b).toMatchObject({ level: "ERROR", jobId: "shapes-1f3c" });
    expect(c).toMatchObject({ message: "request", requestId: "r-1", status: 200 });
  });

  it("keeps text lines as they are and adds fixed fields to every JSON entry", () => {
    const out: string[] = [];
    lineLogger("text", "s", (l) => out.push(l)).line("job x: hello");
    lineLogger("json", "s", (l) => out.push(l), { jobId: "j-9" }).line("attempt 1");
    expect(out[0]).toBe("job x: hello");
    expect(JSON.parse(out[1]!)).toMatchObject({ message: "attempt 1", jobId: "j-9" });
    expect(JSON.parse(out[1]!).scope).toBeUndefined();
  });

  it("marks lines with neither a job nor a request id scope process; queue message lines name the message", () => {
    const out: string[] = [];
    const log = lineLogger("json", "s", (l) => out.push(l));
    log.line("residual: pipeline ready on http://127.0.0.1:1");
    log.line("message m-1: ignored datasets/x.txt (not_a_dataset)");
    log.entry("INFO", "request", { requestId: "r-2" });
    const [ready, message, request] = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ready).toMatchObject({ scope: "process" });
    expect(message).toMatchObject({ scope: "process", messageId: "m-1" });
    expect(request!.scope).toBeUndefined();
  });
});
