/**
 * TensorFlow.js engine: the model loaded with `loadResNet`, each run inside `tf.tidy` so no tensor outlives it.
 */
import { initBackend, loadResNet, type ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { objectStoreIOHandler } from "../store/io-handler.js";
import { checkBatch } from "./check-batch.js";
import type { ArtifactsLocation, EngineLoader, EngineOutput, InferenceEngine } from "./inference-engine.js";
import { SerialQueue } from "./serial-queue.js";

class TfjsEngine implements InferenceEngine {
  readonly kind = "tfjs" as const;
  private readonly queue = new SerialQueue();

  constructor(private readonly model: ResNet) {}

  async run(batch: Float32Array, n: number, size: number): Promise<EngineOutput> {
    const channels = this.model.config.inChannels;
    checkBatch(batch, n, size, channels);
    // Serialised: the wasm backend is single-threaded and interleaving only grows peak memory.
    return this.queue.add(async () => {
      const [features, logits] = tf.tidy(() => {
        const x = tf.tensor4d(batch, [n, size, size, channels]);
        const out = this.model.forward(x);
        return [out.features.dataSync() as Float32Array, out.logits.dataSync() as Float32Array];
      });
      return {
        features: features as Float32Array,
        logits: logits as Float32Array,
        featureDim: this.model.featureDim,
        numClasses: this.model.config.numClasses,
      };
    });
  }

  memoryBytes(): number {
    let n = 0;
    for (const v of this.model.namedWeights().values()) n += v.size * 4;
    return n * 2;
  }

  async dispose(): Promise<void> {
    this.model.dispose();
  }
}

/**
 * Wrap an already loaded ResNet (the engine takes ownership and disposes it).
 * @example
 * const engine = createTfjsEngine(await loadResNet("/models/flowers"));
 */
export function createTfjsEngine(model: ResNet): InferenceEngine {
  return new TfjsEngine(model);
}

/** Loads `<prefix>model.json` + shards through the store and the resnet package's loader. */
export const tfjsLoader: EngineLoader = {
  kind: "tfjs",
  async load(location: ArtifactsLocation): Promise<InferenceEngine> {
    await initBackend({ logger: () => undefined });
    return createTfjsEngine(await loadResNet(objectStoreIOHandler(location.store, location.prefix)));
  },
};
