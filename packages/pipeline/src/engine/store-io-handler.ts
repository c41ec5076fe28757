/**
 * A read-only `tf.io.IOHandler` over an object-store prefix (`model.json` + shards), so the tfjs engine loads
 * straight from S3 or a local bucket without staging files on disk.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { validateFilePath } from "../registry/keys.js";
import { parseModelFile } from "../registry/model-files.js";
import type { ObjectStore } from "../store/object-store.js";

const ModelJsonSchema = z.object({
  modelTopology: z.unknown(),
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string()),
        weights: z.array(
          z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.string() }).loose(),
        ),
      }),
    )
    .min(1),
});

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/**
 * @example
 * const model = await loadResNet(storeIoHandler(store, "models/flowers/v1/"));
 */
export function storeIoHandler(store: ObjectStore, prefix: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = parseModelFile("model.json", await store.get(`${prefix}model.json`), ModelJsonSchema);
      const paths = json.weightsManifest.flatMap((g) => g.paths).map(validateFilePath);
      const shards = await Promise.all(paths.map((p) => store.get(`${prefix}${p}`)));
      const total = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts["modelTopology"],
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
        weightData: toArrayBuffer(total),
      };
    },
  };
}
