/** A generated image dataset whose classes differ by colour and brightness pattern, for real tiny training runs. */
import { inMemoryImageSet, type TrainingData, type TrainingProgress } from "@residual/pipeline";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** `perClass` train and `valPerClass` val images per class, `size`×`size`×3, normalised-ish values. */
export function syntheticData(
  classes: number,
  perClass: number,
  valPerClass: number,
  size: number,
  seed = 1,
): TrainingData {
  const rnd = lcg(seed);
  const make = (count: number) => {
    const n = classes * count;
    const pixels = new Float32Array(n * size * size * 3);
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = i % classes;
      labels.push(c);
      const base = [Math.cos(c * 2.1), Math.sin(c * 1.7), Math.cos(c * 0.9 + 1)];
      for (let p = 0; p < size * size; p++) {
        const stripe = ((p % size) + c) % 4 < 2 ? 0.5 : -0.5;
        for (let ch = 0; ch < 3; ch++) {
          pixels[(i * size * size + p) * 3 + ch] = base[ch]! + stripe * (c % 2) + (rnd() - 0.5) * 0.8;
        }
      }
    }
    return inMemoryImageSet(pixels, labels, size, 3);
  };
  const names = Array.from({ length: classes }, (_, c) => `class_${c}`);
  return { classNames: names, train: make(perClass), val: make(valPerClass), augment: false };
}

/**
 * An abort signal and an `onProgress` that fires it when `when` first holds (to interrupt runTraining at a chosen
 * step or epoch).
 *
 * @example
 * const stop = abortWhen((p) => p.type === "epoch" && p.epoch === 0);
 * await runTraining({ model, spec, data, signal: stop.signal, onProgress: stop.onProgress });
 */
export function abortWhen(when: (p: TrainingProgress) => boolean): {
  signal: AbortSignal;
  onProgress: (p: TrainingProgress) => void;
} {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    onProgress: (p) => {
      if (when(p)) controller.abort();
    },
  };
}
