import { availableParallelism } from "node:os";
import type { InferenceSession } from "onnxruntime-node";

/**
 * Session options for latency: full graph optimisation, all cores, memory arena and pattern reuse.
 * @example
 * const session = await ort.InferenceSession.create(bytes, onnxSessionOptions(2));
 */
export function onnxSessionOptions(threads = availableParallelism()): InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
  };
}
