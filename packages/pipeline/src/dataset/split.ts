/**
 * Seeded stratified train/val split: each class is shuffled with its own PRNG stream (keyed by seed and class
 * name, so adding a class does not reshuffle the others) and `round(n · valFraction)` go to val, keeping at
 * least one image on each side when a class has two or more.
 */
import { createRng, permutation } from "../preprocess/random.js";

/**
 * Returns, per item, whether it goes to val.
 *
 * @example
 * const isVal = stratifiedSplit(["cat", "cat", "dog", "dog"], 0.5, 1);
 */
export function stratifiedSplit(labels: readonly string[], valFraction: number, seed: number): boolean[] {
  const byClass = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const list = byClass.get(l);
    if (list) list.push(i);
    else byClass.set(l, [i]);
  });
  const isVal = new Array<boolean>(labels.length).fill(false);
  for (const [label, idx] of byClass) {
    const n = idx.length;
    let nVal = Math.round(n * valFraction);
    if (valFraction > 0 && n >= 2) nVal = Math.min(Math.max(nVal, 1), n - 1);
    const order = permutation(n, createRng(seed, "split", label));
    for (let k = 0; k < nVal; k++) isVal[idx[order[k]!]!] = true;
  }
  return isVal;
}
