/**
 * The API Lambdas' operator metrics as CloudWatch embedded-metric-format lines (Powertools Metrics), under the
 * names `GET /metrics` uses on the local server: per request the count and latency by route and status, then what
 * the serving core counted meanwhile (model runs' batch sizes, cache hits/misses/evictions, cache bytes).
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRIC_NAMES, METRICS } from "@residual/pipeline/serving";

/** Records one request's metrics and flushes them. */
export type RecordRequest = (route: string, status: number, seconds: number) => void;

const COUNTERS = [
  [METRIC_NAMES.cacheHits, METRICS.cacheHits],
  [METRIC_NAMES.cacheMisses, METRICS.cacheMisses],
  [METRIC_NAMES.cacheEvictions, METRICS.cacheEvictions],
] as const;

/**
 * One recorder per container (module scope, like the logger); counters are written as deltas per invocation.
 * @example
 * const record = emfRecorder("residual-classify"); record("POST /v1/classify", 200, 0.042);
 */
export function emfRecorder(serviceName: string): RecordRequest {
  const metrics = new Metrics({ namespace: "Residual", serviceName });
  const batches: number[] = [];
  METRICS.ortBatchSize.listen((n) => batches.push(n));
  const seen = new Map<string, number>();
  return (route, status, seconds) => {
    metrics.addDimensions({ route, status: String(status) });
    metrics.addMetric(METRIC_NAMES.requests, MetricUnit.Count, 1);
    metrics.addMetric(METRIC_NAMES.requestSeconds, MetricUnit.Seconds, seconds);
    metrics.publishStoredMetrics();
    for (const n of batches.splice(0)) metrics.addMetric(METRIC_NAMES.ortBatchSize, MetricUnit.Count, n);
    for (const [name, metric] of COUNTERS) {
      const delta = metric.value() - (seen.get(name) ?? 0);
      seen.set(name, metric.value());
      if (delta > 0) metrics.addMetric(name, MetricUnit.Count, delta);
    }
    metrics.addMetric(METRIC_NAMES.cacheBytes, MetricUnit.Bytes, METRICS.cacheBytes.value());
    metrics.publishStoredMetrics();
  };
}
