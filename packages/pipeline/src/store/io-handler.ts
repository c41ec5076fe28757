/**
 * A `tf.io.IOHandler` over any ObjectStore, so a model saves to and loads from `s3://bucket/prefix/` exactly as to a
 * directory: `model.json` (ModelArtifacts JSON) plus weights as `weights.bin` (≤ 4 MiB, the directory handler's
 * layout) or `group1-shard<i>of<n>.bin` shards of 4 MiB (tfjs's converter layout). Loading reads either layout,
 * and any number of groups; a manifest path that is not a plain file name beside `model.json` is refused.
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { formatIssues, InvalidInputError, NotFoundError, StoredModelError, zodIssues } from "../errors.js";
import { assertValidPrefix } from "./keys.js";
import type { ObjectStore } from "./object-store.js";

/**
 * tfjs's default shard size: big enough for few requests, small enough for browsers and Lambda memory.
 * @example
 * Math.ceil(bytes / SHARD_BYTES); // shards of a model with `bytes` of weights
 */
export const SHARD_BYTES = 4 * 1024 * 1024;
/**
 * The manifest's file name in a model directory.
 * @example
 * await store.head(`${prefix}${MODEL_JSON_KEY}`);
 */
export const MODEL_JSON_KEY = "model.json";

const ModelJsonSchema = z
  .object({
    modelTopology: z.unknown().optional(),
    format: z.string().optional(),
    generatedBy: z.string().optional(),
    convertedBy: z.string().nullable().optional(),
    userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
    weightsManifest: z.array(
      z.object({
        // Shards live next to model.json; a path that names anything else is refused, never followed.
        paths: z.array(
          z
            .string()
            .regex(/^[\w.-]+$/)
            .refine((p) => p !== "." && p !== ".."),
        ),
        weights: z.array(
          z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.string() }).loose(),
        ),
      }),
    ),
  })
  .loose();

/** Shard file names for `total` bytes, the single-file name when one shard suffices. */
function shardNames(total: number): string[] {
  const n = Math.max(1, Math.ceil(total / SHARD_BYTES));
  if (n === 1) return ["weights.bin"];
  return Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`);
}

/** The files of saved model artefacts, in write order: the weight shards, then `model.json` last. */
function artifactFiles(artifacts: tf.io.ModelArtifacts): Array<[string, Uint8Array | string]> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new InvalidInputError(
      "unsupported_model",
      "Binary (ArrayBuffer) model topologies cannot be saved as model.json.",
    );
  }
  const data = new Uint8Array(
    artifacts.weightData ? tf.io.concatenateArrayBuffers(artifacts.weightData) : new ArrayBuffer(0),
  );
  const names = shardNames(data.byteLength);
  const shards = names.map((name, i): [string, Uint8Array] => [
    name,
    data.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES),
  ]);
  const { weightData: _data, weightSpecs, ...rest } = artifacts;
  const json = { ...rest, weightsManifest: [{ paths: names, weights: weightSpecs ?? [] }] };
  return [...shards, [MODEL_JSON_KEY, JSON.stringify(json)]];
}

/**
 * An IOHandler that saves to and loads from `prefix` in `store`: the one way a tfjs model moves between a
 * store and a `ResNet` (training's backbones, the tfjs engine, `residual weights`).
 *
 * @example
 * const store = openObjectStore("s3://residual-data");
 * await model.save(objectStoreIOHandler(store, "models/flowers/3"));
 * const again = await loadResNet(objectStoreIOHandler(store, "models/flowers/3"));
 */
export function objectStoreIOHandler(store: ObjectStore, prefix: string): tf.io.IOHandler {
  const base = prefix.replace(/\/+$/, "");
  assertValidPrefix(base);
  const key = (name: string): string => (base ? `${base}/${name}` : name);
  return {
    save: (artifacts) => saveArtifacts(store, key, artifacts),
    load: () => loadArtifacts(store, key, base),
  };
}

/**
 * A model's files as {@link objectStoreIOHandler} writes them (`model.json` + shards), in memory, for a caller
 * that publishes them with other files (the registry's version directory).
 *
 * @example
 * const files = await tfjsModelFiles(model); // { "weights.bin": Uint8Array, "model.json": "{…}" }
 */
export async function tfjsModelFiles(model: {
  save(handler: tf.io.IOHandler): Promise<unknown>;
}): Promise<Record<string, Uint8Array | string>> {
  let files: Array<[string, Uint8Array | string]> = [];
  await model.save({
    save: async (artifacts) => {
      files = artifactFiles(artifacts);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  });
  return Object.fromEntries(files);
}

async function saveArtifacts(
  store: ObjectStore,
  key: (name: string) => string,
  artifacts: tf.io.ModelArtifacts,
): Promise<tf.io.SaveResult> {
  const files = artifactFiles(artifacts);
  const json = files.pop()!;
  // Shards first, model.json last: a reader that finds model.json finds every shard it lists.
  await Promise.all(
    files.map(([name, bytes]) => store.put(key(name), bytes, { contentType: "application/octet-stream" })),
  );
  await store.put(key(json[0]), json[1], { contentType: "application/json" });
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

async function readModelJson(store: ObjectStore, key: string): Promise<z.infer<typeof ModelJsonSchema>> {
  let text: string;
  try {
    text = (await store.get(key)).toString("utf8");
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError("model_not_found", `No ${MODEL_JSON_KEY} at ${store.url}/${key}.`, {
        cause: err,
      });
    }
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StoredModelError("invalid_model_file", `${store.url}/${key} is not valid JSON.`, {
      cause: err,
    });
  }
  const parsed = ModelJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    const text = formatIssues(issues);
    throw new StoredModelError(
      "invalid_model_file",
      `${store.url}/${key} is not a tfjs model.json: ${text}`,
      { issues },
    );
  }
  return parsed.data;
}

async function loadArtifacts(
  store: ObjectStore,
  key: (name: string) => string,
  base: string,
): Promise<tf.io.ModelArtifacts> {
  const { weightsManifest, convertedBy, ...rest } = await readModelJson(store, key(MODEL_JSON_KEY));
  const paths = weightsManifest.flatMap((g) => g.paths);
  const shards = await Promise.all(
    paths.map(async (p) => {
      try {
        const buf = await store.get(key(p));
        return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        throw new StoredModelError(
          "invalid_model_file",
          `Weight shard ${p} listed in ${base}/${MODEL_JSON_KEY} is missing.`,
          {
            cause: err,
          },
        );
      }
    }),
  );
  return {
    ...(rest as Omit<tf.io.ModelArtifacts, "weightSpecs" | "weightData">),
    convertedBy: convertedBy ?? undefined,
    weightSpecs: weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    weightData: tf.io.concatenateArrayBuffers(shards),
  };
}
