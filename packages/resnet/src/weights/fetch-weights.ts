/**
 * `arch.tag` → a saved model directory: download the safetensors, convert to our layout, save with the model's
 * own format (loadable by `loadResNet`), and write what a caller needs to use it beside the weights.
 */
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createResNet } from "../model/factories.js";
import { type DownloadProgress, download } from "./download.js";
import { importTorchWeights } from "./import-torch.js";
import { classNames, getPretrained, type PretrainedWeights, pretrainedUrl } from "./registry.js";

/**
 * Written next to `model.json`: the registry entry plus where the bytes came from.
 * @example
 * JSON.parse(readFileSync(join(dir, PRETRAINED_JSON), "utf8")).sha256;
 */
export const PRETRAINED_JSON = "pretrained.json";
/**
 * Written next to `model.json` when the head is kept: class names, index = logit.
 * @example
 * JSON.parse(readFileSync(join(dir, LABELS_JSON), "utf8"))[0]; // "tench"
 */
export const LABELS_JSON = "labels.json";

/**
 * Options of {@link fetchWeights}: mirror, progress, head, cancellation.
 * @example
 * await fetchWeights("resnet18.tv_in1k", dir, { baseUrl: mirror, resetHead: true } satisfies FetchWeightsOptions);
 */
export interface FetchWeightsOptions {
  /** Replaces `$RESIDUAL_WEIGHTS_BASE_URL` and Hugging Face (`<base>/<arch.tag>/resolve/main/model.safetensors`). */
  baseUrl?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** Class count of the saved model; a value other than the weights' needs `resetHead`. @default the weights' */
  numClasses?: number;
  /** Keep a freshly initialised head instead of the pretrained one. @default false */
  resetHead?: boolean;
  signal?: AbortSignal;
}

/**
 * Where {@link fetchWeights} saved the model and what it downloaded.
 * @example
 * const { dir, sha256 }: FetchWeightsResult = await fetchWeights("resnet18.tv_in1k", "/tmp/r18");
 */
export interface FetchWeightsResult {
  dir: string;
  entry: PretrainedWeights;
  url: string;
  bytes: number;
  sha256: string;
}

/**
 * Download pretrained weights, convert them and save a model directory (`model.json`, weights, `pretrained.json`,
 * `labels.json`). Throws `WeightsError` for unknown tags or a class mismatch, `DownloadError` for network trouble.
 * @example
 * await fetchWeights("resnet50.tv2_in1k", "backbones/resnet50.tv2_in1k", { onProgress: (p) => log(p.received) });
 * const model = await loadResNet("backbones/resnet50.tv2_in1k");
 */
export async function fetchWeights(
  archTag: string,
  outDir: string,
  opts: FetchWeightsOptions = {},
): Promise<FetchWeightsResult> {
  const entry = getPretrained(archTag);
  const url = pretrainedUrl(entry.archTag, opts.baseUrl);
  const bytes = await download(url, { onProgress: opts.onProgress, signal: opts.signal });
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const model = createResNet(entry.arch, { numClasses: opts.numClasses ?? entry.numClasses });
  try {
    await importTorchWeights(model, bytes, { resetHead: opts.resetHead, what: url });
    await model.save(outDir);
  } finally {
    model.dispose();
  }
  const keptHead = !opts.resetHead;
  const info = { ...entry, url, sha256, headReset: !keptHead };
  await writeFile(join(outDir, PRETRAINED_JSON), `${JSON.stringify(info, null, 2)}\n`);
  if (keptHead) await writeFile(join(outDir, LABELS_JSON), `${JSON.stringify(classNames(entry.classes))}\n`);
  return { dir: outDir, entry, url, bytes: bytes.length, sha256 };
}
