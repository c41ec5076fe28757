/**
 * Pretrained backbones into the bucket: `arch.tag` → download (torchvision/timm safetensors), convert, put as
 * `backbones/<arch.tag>/`. The one implementation behind `residual weights fetch --store` and the deploy-time
 * custom resource (`functions/src/seed-backbones.ts`), so both write the same files in the same order.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DownloadProgress,
  exportOnnx,
  fetchWeights,
  getPretrained,
  initBackend,
  loadResNet,
} from "@residual/resnet";
import type { BackendSettings } from "../config/settings.js";
import { objectStoreIOHandler } from "../store/io-handler.js";
import type { ObjectStore } from "../store/object-store.js";
import { translateError } from "../translate-error.js";
import { backbonePrefix } from "./keys.js";
import { validateModelName } from "./model-ref.js";

/**
 * Options of {@link seedBackbones}.
 * @example
 * const options: SeedBackbonesOptions = { baseUrl: "http://mirror.internal/timm", force: false };
 */
export interface SeedBackbonesOptions {
  /** Mirror instead of `$RESIDUAL_WEIGHTS_BASE_URL` / Hugging Face. @default the registry's */
  baseUrl?: string;
  /** Fetch again even when `backbones/<tag>/model.json` exists. @default false */
  force?: boolean;
  /** tfjs backend for the conversion. @default the automatic choice */
  backend?: BackendSettings;
  onProgress?: (p: DownloadProgress) => void;
  /** Stops a download in flight. */
  signal?: AbortSignal;
}

/**
 * What {@link seedBackbones} did for one tag: `seeded` (downloaded and written) or `skipped` (already there).
 * @example
 * const r: SeededBackbone = (await seedBackbones(store, ["resnet18.tv_in1k"]))[0]!;
 * if (r.status === "seeded") console.log(r.sha256);
 */
export type SeededBackbone =
  | { tag: string; prefix: string; status: "skipped" }
  | { tag: string; prefix: string; status: "seeded"; url: string; bytes: number; sha256: string };

/**
 * Put a saved model directory into the store as backbone `tag`: the files beside the model (`labels.json`,
 * `pretrained.json`, …), then `model.onnx` (so serving's cold starts need no tfjs export, which a read-only
 * Lambda role could not cache), then the shards and `model.json` last through the store's model handler, so a
 * reader that sees `model.json` sees the backbone whole. Returns the prefix.
 * @example
 * await putBackboneDir(store, "resnet50.custom", "/tmp/imported"); // "backbones/resnet50.custom/"
 */
export async function putBackboneDir(store: ObjectStore, tag: string, dir: string): Promise<string> {
  const prefix = backbonePrefix(validateModelName(tag));
  const model = await loadResNet(dir);
  try {
    for (const f of await readdir(dir)) {
      if (f !== "model.json" && !f.endsWith(".bin") && f !== "model.onnx")
        await store.put(`${prefix}${f}`, await readFile(join(dir, f)));
    }
    await store.put(`${prefix}model.onnx`, exportOnnx(model), { contentType: "application/octet-stream" });
    await model.save(objectStoreIOHandler(store, prefix));
  } finally {
    model.dispose();
  }
  return prefix;
}

/**
 * Seed pretrained backbones: for each `arch.tag` (a bare arch means its default tag), skip it when
 * `backbones/<tag>/model.json` already exists (re-deploys cost a HEAD), else download, convert and
 * {@link putBackboneDir}. Tags are checked against the weights registry before anything is downloaded; a failed
 * download writes nothing for that tag. Errors are pipeline errors (`weights_unknown_tag`,
 * `weights_download_failed`, …); tags seeded before the failure stay seeded.
 *
 * @example
 * const results = await seedBackbones(openObjectStore("s3://my-bucket"), ["resnet50.tv2_in1k"]);
 * results.map((r) => `${r.tag}: ${r.status}`); // ["resnet50.tv2_in1k: seeded"]
 */
export async function seedBackbones(
  store: ObjectStore,
  tags: readonly string[],
  options: SeedBackbonesOptions = {},
): Promise<SeededBackbone[]> {
  let canonical: string[];
  try {
    canonical = [...new Set(tags.map((t) => getPretrained(t).archTag))];
  } catch (err) {
    throw translateError(err);
  }
  const results: SeededBackbone[] = [];
  let backendReady = false;
  for (const tag of canonical) {
    const prefix = backbonePrefix(tag);
    if (!options.force && (await store.head(`${prefix}model.json`))) {
      results.push({ tag, prefix, status: "skipped" });
      continue;
    }
    if (!backendReady) {
      await initBackend({ ...options.backend, logger: () => undefined });
      backendReady = true;
    }
    results.push(await seedOne(store, tag, options));
  }
  return results;
}

async function seedOne(
  store: ObjectStore,
  tag: string,
  options: SeedBackbonesOptions,
): Promise<SeededBackbone> {
  const dir = await mkdtemp(join(tmpdir(), "residual-seed-"));
  try {
    const r = await fetchWeights(tag, dir, {
      baseUrl: options.baseUrl,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    const prefix = await putBackboneDir(store, tag, dir);
    return { tag, prefix, status: "seeded", url: r.url, bytes: r.bytes, sha256: r.sha256 };
  } catch (err) {
    throw translateError(err);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
