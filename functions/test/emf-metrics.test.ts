/** The API Lambdas' EMF lines: the same metric names as the local `/metrics`, with route and status dimensions. */
import { METRIC_NAMES, METRICS } from "@residual/pipeline/serving";
import { describe, expect, it } from "vitest";
import { emfRecorder } from "../src/http/emf-metrics.js";

function captureStdout(run: () => void): string[] {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  try {
    run();
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

interface Emf {
  _aws: {
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>;
  };
  [key: string]: unknown;
}

describe("emfRecorder", () => {
  it("writes request count and latency by route and status, then batch sizes and cache deltas", () => {
    const record = emfRecorder("residual-test");
    METRICS.ortBatchSize.observe(3);
    METRICS.ortBatchSize.observe(5);
    METRICS.cacheHits.inc();
    const lines = captureStdout(() => record("POST /v1/classify", 200, 0.25));
    const blobs = lines.map((l) => JSON.parse(l) as Emf);
    expect(blobs).toHaveLength(2);
    const [request, core] = blobs as [Emf, Emf];
    const names = (b: Emf) => b._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name).sort();
    expect(request._aws.CloudWatchMetrics[0]!.Namespace).toBe("Residual");
    expect(request._aws.CloudWatchMetrics[0]!.Dimensions[0]).toEqual(
      expect.arrayContaining(["route", "status"]),
    );
    expect(names(request)).toEqual([METRIC_NAMES.requestSeconds, METRIC_NAMES.requests].sort());
    expect(request).toMatchObject({ route: "POST /v1/classify", status: "200" });
    expect(request[METRIC_NAMES.requestSeconds]).toBe(0.25);
    expect(core[METRIC_NAMES.ortBatchSize]).toEqual([3, 5]);
    expect(core[METRIC_NAMES.cacheHits]).toBe(1);
    // A second request without new cache activity writes no hit delta.
    const again = captureStdout(() => record("GET /livez", 200, 0.001)).map((l) => JSON.parse(l) as Emf);
    expect(again[1]![METRIC_NAMES.cacheHits]).toBeUndefined();
  });
});
