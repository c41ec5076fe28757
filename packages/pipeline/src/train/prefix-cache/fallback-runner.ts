/**
 * A prefix runner that survives its engine failing mid-fill: the first batch that throws on the primary runner
 * (ONNX Runtime running out of memory, a native error) is logged once, the primary is released, and that batch
 * and every later one are computed by the fallback (tfjs), which is only built then. A cache half filled by
 * each engine is fine: both compute the same function (parity ≤ 1e-4 relative).
 */
import type { PrefixRunner } from "./prefix-runner.js";

/**
 * Wrap `primary` so a failing batch switches to `makeFallback()` for good.
 *
 * @example
 * const runner = withFallback(onnxRunner, () => tfjsRunner(model, stage, o), console.warn);
 * runner.engine; // "onnx", or "tfjs" after a failure
 */
export function withFallback(
  primary: PrefixRunner,
  makeFallback: () => PrefixRunner,
  log: (line: string) => void,
): PrefixRunner {
  let fallback: PrefixRunner | undefined;
  return {
    get engine() {
      return (fallback ?? primary).engine;
    },
    pooled: primary.pooled,
    shape: primary.shape,
    async run(pixels, n) {
      if (!fallback) {
        try {
          return await primary.run(pixels, n);
        } catch (err) {
          log(
            `prefix cache: ${primary.engine} failed on a batch (${(err as Error).message}); continuing with tfjs`,
          );
          fallback = makeFallback();
          await primary.dispose().catch(() => {});
        }
      }
      return fallback.run(pixels, n);
    },
    async dispose() {
      await (fallback ?? primary).dispose();
    },
  };
}
