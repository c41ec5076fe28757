/**
 * Load a torchvision / timm state dict saved as `.safetensors` into one of our models, name-for-name.
 */
import { readFile } from "node:fs/promises";
import * as tf from "@tensorflow/tfjs-core";
import { WeightsError, WeightsMismatchError } from "../errors.js";
import type { ResNet } from "../types.js";
import { parseSafetensors, type SafetensorsFile } from "./safetensors.js";
import { type HostTensor, isIgnoredTorchKey, normalizeTorchKey, torchToTfjs } from "./torch-layout.js";

/**
 * The one-liner that turns a pickled checkpoint into safetensors (needs `pip install safetensors`).
 * @example
 * console.error(`convert it first: ${PTH_CONVERT_COMMAND}`);
 */
export const PTH_CONVERT_COMMAND =
  "python3 -c \"import sys, torch; from safetensors.torch import save_file; sd = torch.load(sys.argv[1], map_location='cpu'); sd = sd.get('state_dict', sd); save_file({k: v.contiguous() for k, v in sd.items()}, sys.argv[2])\" model.pth model.safetensors";

/**
 * Options of {@link importTorchWeights}: a fresh head, and the name of the source in messages.
 * @example
 * await importTorchWeights(model, bytes, { resetHead: true, what: "model.safetensors" } satisfies ImportTorchOptions);
 */
export interface ImportTorchOptions {
  /**
   * Keep the model's own freshly initialised head instead of the checkpoint's fc (fine-tuning to new classes).
   * Without it, a checkpoint whose class count differs from the model's is refused, as torchvision does.
   * @default false
   */
  resetHead?: boolean;
  /** How to name the source in error messages. @default the path, or "safetensors data" */
  what?: string;
}

/**
 * What {@link importTorchWeights} loaded and whether the head was reset.
 * @example
 * const { loaded, headReset }: ImportReport = await importTorchWeights(model, bytes);
 */
export interface ImportReport {
  /** Keys copied into the model. */
  loaded: string[];
  /** Keys of the file that have no counterpart by design (`num_batches_tracked`). */
  ignored: string[];
  /** Class count of the checkpoint's head, when it has one. */
  sourceClasses: number | undefined;
  headReset: boolean;
  metadata: Record<string, string>;
}

function refuseIfPickle(bytes: Uint8Array, what: string): void {
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b; // torch.save since 1.6: a zip of pickles
  const pickle = bytes[0] === 0x80 && (bytes[1] ?? 0) >= 2 && (bytes[1] ?? 0) <= 5; // legacy torch.save
  if (zip || pickle) {
    throw new WeightsError(
      "weights_unsupported_format",
      `${what} is a pickled PyTorch checkpoint (.pth); reading pickles is unsafe and unsupported. Convert it to safetensors first: ${PTH_CONVERT_COMMAND}`,
    );
  }
}

function headClasses(st: SafetensorsFile, keys: Map<string, string>): number | undefined {
  const raw = keys.get("fc.weight");
  const shape = raw === undefined ? undefined : st.entries.get(raw)?.shape;
  return shape?.length === 2 ? shape[0] : undefined;
}

function checkHead(
  model: ResNet,
  sourceClasses: number | undefined,
  opts: ImportTorchOptions,
  what: string,
): void {
  const want = model.config.numClasses;
  if (opts.resetHead || sourceClasses === undefined || sourceClasses === want) return;
  throw new WeightsError(
    "weights_classes_mismatch",
    `${what} has a ${sourceClasses}-class head but the model was built for ${want} classes; build it with numClasses ${sourceClasses}, or reset the head (resetHead: true, CLI --reset-head) to train a new ${want}-class one`,
  );
}

/** The file's tensors in our layout, keyed by our names; `fc.*` left out when the head is reset. */
function collect(
  st: SafetensorsFile,
  keys: Map<string, string>,
  resetHead: boolean,
): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, raw] of keys) {
    if (resetHead && name.startsWith("fc.")) continue;
    const entry = st.entries.get(raw);
    if (!entry) continue;
    out.set(name, torchToTfjs({ shape: entry.shape, data: st.float32(raw) }));
  }
  return out;
}

/**
 * Copy a torchvision/timm state dict (`.safetensors` path or bytes) into `model`: conv OIHW → HWIO,
 * fc `[out, in]` → `[in, out]`, BatchNorm running statistics kept, `num_batches_tracked` ignored, `module.`
 * prefixes stripped. Throws {@link WeightsError}: `WEIGHTS_UNSUPPORTED_FORMAT` for `.pth` pickles (with the
 * conversion command), `WEIGHTS_CLASSES_MISMATCH`, `WEIGHTS_MISMATCH` (every missing/unexpected/misshaped key).
 * The model is unchanged when it throws. Creates no lasting tensors.
 * @example
 * const model = createResNet("resnet50");
 * await importTorchWeights(model, "resnet50.safetensors");
 */
export async function importTorchWeights(
  model: ResNet,
  source: string | Uint8Array,
  opts: ImportTorchOptions = {},
): Promise<ImportReport> {
  const what = opts.what ?? (typeof source === "string" ? source : "safetensors data");
  const bytes = typeof source === "string" ? await readFile(source) : source;
  refuseIfPickle(bytes, what);
  const st = parseSafetensors(bytes, what);
  const keys = new Map<string, string>();
  const ignored: string[] = [];
  for (const raw of st.entries.keys()) {
    if (isIgnoredTorchKey(raw)) ignored.push(raw);
    else keys.set(normalizeTorchKey(raw), raw);
  }
  const sourceClasses = headClasses(st, keys);
  checkHead(model, sourceClasses, opts, what);
  const headReset = opts.resetHead === true;
  loadInto(model, collect(st, keys, headReset), headReset, what);
  const loaded = [...keys.keys()].filter((k) => !(headReset && k.startsWith("fc.")));
  return { loaded, ignored, sourceClasses, headReset, metadata: st.metadata };
}

function loadInto(model: ResNet, host: Map<string, HostTensor>, keepHead: boolean, what: string): void {
  const created: tf.Tensor[] = [];
  const map = new Map<string, tf.Tensor>();
  try {
    for (const [name, t] of host) {
      const tensor = tf.tensor(t.data, t.shape, "float32");
      created.push(tensor);
      map.set(name, tensor);
    }
    if (keepHead) {
      // loadWeights wants every key: hand the model a copy of its own head (a copy, because assigning a
      // variable to itself frees its data), which leaves the head as initialised.
      for (const [name, v] of model.namedWeights()) {
        if (!name.startsWith("fc.")) continue;
        const copy = tf.tensor(v.dataSync(), v.shape, "float32");
        created.push(copy);
        map.set(name, copy);
      }
    }
    model.loadWeights(map);
  } catch (err) {
    if (err instanceof WeightsMismatchError) {
      throw new WeightsError(
        "weights_mismatch",
        `${what} does not fit ${model.config.arch}: ${err.message}`,
        {
          cause: err,
        },
      );
    }
    throw err;
  } finally {
    for (const t of created) t.dispose();
  }
}
