/**
 * The operator metrics of a process, named once: the local server exposes them at `GET /metrics` (Prometheus
 * text) and the Lambdas write the same names as CloudWatch embedded-metric-format lines.
 */
import { MetricsRegistry } from "./registry.js";

/**
 * Every metric name, so the Prometheus exposition and the EMF lines cannot drift apart.
 * @example
 * METRIC_NAMES.requests; // "residual_http_requests_total"
 */
export const METRIC_NAMES = {
  requests: "residual_http_requests_total",
  requestSeconds: "residual_http_request_duration_seconds",
  ortBatchSize: "residual_ort_batch_size",
  cacheHits: "residual_model_cache_hits_total",
  cacheMisses: "residual_model_cache_misses_total",
  cacheEvictions: "residual_model_cache_evictions_total",
  cacheBytes: "residual_model_cache_bytes",
  jobs: "residual_jobs",
  trainingImagesPerSecond: "residual_training_images_per_second",
} as const;

const LATENCY_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BOUNDS = [1, 2, 4, 8, 16, 32, 64];

/**
 * The process's one registry (module scope, like a Lambda's logger: warm invocations keep counting).
 * @example
 * const text = processMetrics().text();
 */
export function processMetrics(): MetricsRegistry {
  return registry;
}

const registry = new MetricsRegistry();

/**
 * The named families of {@link processMetrics}, created once.
 * @example
 * METRICS.requests.inc({ route: "classify", method: "POST", status: "200" });
 */
export const METRICS = {
  requests: registry.counter(METRIC_NAMES.requests, "HTTP requests by route, method and status"),
  requestSeconds: registry.histogram(
    METRIC_NAMES.requestSeconds,
    "HTTP request latency in seconds by route, method and status",
    LATENCY_BOUNDS,
  ),
  ortBatchSize: registry.histogram(METRIC_NAMES.ortBatchSize, "Images per model run", BATCH_BOUNDS),
  cacheHits: registry.counter(METRIC_NAMES.cacheHits, "Model cache lookups that found the model loaded"),
  cacheMisses: registry.counter(METRIC_NAMES.cacheMisses, "Model cache lookups that loaded the model"),
  cacheEvictions: registry.counter(METRIC_NAMES.cacheEvictions, "Models evicted from the cache"),
  cacheBytes: registry.gauge(METRIC_NAMES.cacheBytes, "Estimated bytes of the loaded models"),
  jobs: registry.gauge(METRIC_NAMES.jobs, "Training jobs in the bucket by state"),
  trainingImagesPerSecond: registry.gauge(
    METRIC_NAMES.trainingImagesPerSecond,
    "Training throughput of each running job (its last reported images/s)",
  ),
} as const;
