/**
 * Early stopping's "restore best weights": a copy of every weight (running statistics included) taken at the
 * epoch the monitored metric last improved, put back into the model when training ends, so metrics, calibration
 * and the published model describe the best epoch rather than the last `patience` worse ones.
 *
 * A process that resumed after the best epoch has no copy in memory; it restores from that epoch's end-of-epoch
 * checkpoint, which checkpoint pruning protects for this reason.
 */
import type { ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import type { ObjectStore } from "../../store/object-store.js";
import { checkpointName, loadCheckpointWeights } from "./checkpoint.js";

/** Where a resumed process finds the best epoch's weights. */
export interface BestWeightsSource {
  store: ObjectStore;
  prefix: string;
}

/**
 * The end-of-epoch checkpoint name of `epoch` (taken with state epoch `epoch + 1`, step 0).
 *
 * @example
 * bestCheckpointName(2); // "ckpt-00003-0000000"
 */
export function bestCheckpointName(epoch: number): string {
  return checkpointName(epoch + 1, 0);
}

/** The in-memory copy of the best epoch's weights. */
export class BestWeights {
  private copy?: { epoch: number; weights: Map<string, { values: Float32Array; shape: number[] }> };

  /**
   * Copy `model`'s weights as the best of `epoch` (replacing any earlier copy).
   *
   * @example
   * if (early.bestEpoch === epoch) best.snapshot(model, epoch);
   */
  snapshot(model: ResNet, epoch: number): void {
    const weights = new Map<string, { values: Float32Array; shape: number[] }>();
    for (const [name, v] of model.namedWeights()) {
      weights.set(name, { values: Float32Array.from(v.dataSync()), shape: v.shape });
    }
    this.copy = { epoch, weights };
  }

  /**
   * Put the weights of `epoch` back into `model`: from memory when the copy is of that epoch, else from its
   * checkpoint in `source`. False (model untouched) when neither has them.
   *
   * @example
   * const restored = await best.restore(model, state.early.bestEpoch, { store, prefix });
   */
  async restore(model: ResNet, epoch: number, source?: BestWeightsSource): Promise<boolean> {
    if (this.copy?.epoch === epoch) {
      const tensors = new Map<string, tf.Tensor>();
      for (const [name, w] of this.copy.weights) tensors.set(name, tf.tensor(w.values, w.shape));
      try {
        model.loadWeights(tensors);
      } finally {
        tf.dispose([...tensors.values()]);
      }
      return true;
    }
    if (!source) return false;
    return loadCheckpointWeights(source.store, source.prefix, bestCheckpointName(epoch), model);
  }

  /** Drop the copy. */
  clear(): void {
    this.copy = undefined;
  }
}
