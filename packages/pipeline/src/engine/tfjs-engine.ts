/**
 * TensorFlow.js engine: the model loaded with `loadResNet`, each run inside `tf.tidy` so no tensor outlives it.
 */
import { initBackend, loadResNet, type ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { objectStoreIOHandler } from "../store/io-handler.js";
import { checkBatch } from "./check-batch.js";
import type { ArtifactsLocation, EngineChoice, EngineOutput, InferenceEngine } from "./inference-engine.js";
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

/**
 * `<prefix>model.json` + shards as a ResNet, through the store's model handler, on the given tfjs backend.
 * @example
 * const resnet = await loadTfjsModel({ store, prefix: "backbones/resnet18.tv_in1k/" });
 */
export async function loadTfjsModel(
  location: ArtifactsLocation,
  backend: EngineChoice["backend"] = {},
): Promise<ResNet> {
  await initBackend({ ...backend, logger: () => undefined });
  return loadResNet(objectStoreIOHandler(location.store, location.prefix));
}
