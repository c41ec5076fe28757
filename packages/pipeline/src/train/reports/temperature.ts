/**
 * Temperature scaling (Guo et al., 2017): one scalar T that minimises the validation NLL of softmax(logits / T).
 * NLL is unimodal in log T for the usual cases, so a golden-section search on log T over [1/20, 20] is enough
 * and needs no gradients.
 */
import { softmaxRows } from "./metrics.js";

/**
 * Mean negative log-likelihood of `labels` under softmax(logits / T).
 * @example
 * temperatureNll(logits, labels, numClasses, 1.5); // mean NLL at T = 1.5
 */
export function temperatureNll(
  logits: Float32Array,
  labels: ArrayLike<number>,
  k: number,
  t: number,
): number {
  const p = softmaxRows(logits, k, t);
  let nll = 0;
  for (let i = 0; i < labels.length; i++) nll -= Math.log(Math.max(p[i * k + labels[i]!]!, 1e-300));
  return labels.length ? nll / labels.length : 0;
}

/**
 * The fitted temperature (1 when there is no validation data).
 *
 * @example
 * const t = fitTemperature(valLogits, valLabels, numClasses); // > 1 for an over-confident model
 */
export function fitTemperature(
  logits: Float32Array,
  labels: ArrayLike<number>,
  k: number,
  iters = 60,
): number {
  if (labels.length === 0) return 1;
  const f = (logT: number) => temperatureNll(logits, labels, k, Math.exp(logT));
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = Math.log(1 / 20);
  let b = Math.log(20);
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < iters && b - a > 1e-6; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}
