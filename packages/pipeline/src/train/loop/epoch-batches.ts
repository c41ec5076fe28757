/** The shuffled batches of one epoch, keyed by (seed, epoch) so a resumed run sees the same order. */
import { createRng, permutation } from "../../preprocess/random.js";

/**
 * Batches of epoch `epoch`'s shuffled order (keyed by seed and epoch, so a resumed run sees the same order);
 * a trailing batch of one is dropped (training-mode BatchNorm needs two).
 *
 * @example
 * epochBatches(10, 4, 0, 0); // three batches: 4, 4, 2 indices
 */
export function epochBatches(n: number, batchSize: number, seed: number, epoch: number): number[][] {
  const order = permutation(n, createRng(seed, "shuffle", epoch));
  const batches: number[][] = [];
  for (let i = 0; i < n; i += batchSize)
    batches.push(Array.from(order.subarray(i, Math.min(n, i + batchSize))));
  if (batches.length > 1 && batches[batches.length - 1]!.length === 1) batches.pop();
  return batches;
}
