import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { ResNetError } from "../errors.js";

/** File names of the on-disk format, shared with the object-store handler. */
export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

const manifestSchema = z.object({
  modelTopology: z.unknown().optional(),
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
  weightsManifest: z
    .array(
      z.object({
        // Shards sit next to model.json; anything that climbs out of the directory is refused.
        paths: z.array(z.string().regex(/^(?!.*\.\.)[\w.-]+$/, "shard paths must be plain file names")),
        weights: z.array(
          z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.string() }).loose(),
        ),
      }),
    )
    .min(1),
});

/**
 * `file:///a/b` or `file://a/b` or a plain path → a directory path.
 *
 * @example
 * ```ts
 * directoryOf("file:///tmp/m"); // "/tmp/m"
 * ```
 */
export function directoryOf(location: string): string {
  return location.startsWith("file://") ? location.slice("file://".length) : location;
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  // Unique per write: two saves racing in one process must not share a temp file.
  const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

async function saveTo(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  await mkdir(dir, { recursive: true });
  const data = artifacts.weightData
    ? tf.io.concatenateArrayBuffers(artifacts.weightData)
    : new ArrayBuffer(0);
  const json = {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    modelTopology: artifacts.modelTopology,
    userDefinedMetadata: artifacts.userDefinedMetadata,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
  // Weights first, model.json last: a reader never sees a model.json whose weights are not all there.
  await writeAtomic(path.join(dir, WEIGHTS_BIN), new Uint8Array(data));
  await writeAtomic(path.join(dir, MODEL_JSON), JSON.stringify(json));
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

async function readManifest(dir: string): Promise<z.infer<typeof manifestSchema>> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MODEL_JSON), "utf8");
  } catch (cause) {
    throw new ResNetError("model_not_found", `no ${MODEL_JSON} in ${dir}`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ResNetError("invalid_model_file", `${path.join(dir, MODEL_JSON)} is not valid JSON`, { cause });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new ResNetError(
      "invalid_model_file",
      `${path.join(dir, MODEL_JSON)} is not a tfjs model.json: ${issues}`,
    );
  }
  return parsed.data;
}

async function loadFrom(dir: string): Promise<tf.io.ModelArtifacts> {
  const manifest = await readManifest(dir);
  const shards: ArrayBuffer[] = [];
  for (const file of manifest.weightsManifest.flatMap((g) => g.paths)) {
    try {
      const buf = await readFile(path.join(dir, file));
      shards.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    } catch (cause) {
      throw new ResNetError(
        "invalid_model_file",
        `weight shard ${file} listed in ${MODEL_JSON} is unreadable`,
        { cause },
      );
    }
  }
  return {
    modelTopology: manifest.modelTopology as tf.io.ModelArtifacts["modelTopology"],
    format: manifest.format,
    generatedBy: manifest.generatedBy,
    convertedBy: manifest.convertedBy ?? undefined,
    userDefinedMetadata: manifest.userDefinedMetadata as tf.io.ModelArtifacts["userDefinedMetadata"],
    weightSpecs: manifest.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    weightData: tf.io.concatenateArrayBuffers(shards),
  };
}

/**
 * A `tf.io.IOHandler` over a local directory (tfjs-core ships none for Node without tfjs-node): `model.json` with
 * `weightsManifest: [{ paths: ["weights.bin"], weights }]` plus the shard. Loading also accepts several shards.
 *
 * @example
 * ```ts
 * await model.save(fileSystemHandler("/tmp/my-model"));
 * const again = await loadResNet(fileSystemHandler("/tmp/my-model"));
 * ```
 */
export function fileSystemHandler(location: string): tf.io.IOHandler {
  const dir = directoryOf(location);
  return { save: (artifacts) => saveTo(dir, artifacts), load: () => loadFrom(dir) };
}
