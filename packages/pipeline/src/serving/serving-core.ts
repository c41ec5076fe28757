/**
 * The serving core: resolve a model, fetch + preprocess images into one batch, run the engine, shape results.
 * One instance per process (module scope in Lambda), so the model cache stays warm across invocations.
 */
import type { EngineChoice, EngineKind } from "../engine/inference-engine.js";
import type { OrtThread } from "../engine/ort/ort-runner.js";
import { isResidualError } from "../errors.js";
import { readJobDocument } from "../jobs/job-status.js";
import { ImageDecodeError } from "../preprocess/errors.js";
import { preprocessEval } from "../preprocess/eval.js";
import {
  describeModel,
  listModels,
  type ModelDescription,
  type ModelSummaryEntry,
  resolveModel,
} from "../registry/read-model.js";
import { DEFAULT_BACKBONE, resolveBackbone } from "../registry/resolve-backbone.js";
import type { ObjectStore } from "../store/object-store.js";
import { MAX_BODY_BYTES, type ParsedRequest } from "./api/api-request.js";
import { imageBytes } from "./image-bytes.js";
import { loadModelBundle, type ModelBundle } from "./model-bundle.js";
import { ModelCache } from "./model-cache.js";
import { ResolveCache } from "./resolve-cache.js";
import { type ClassifyResult, classifyRows, embeddingRows } from "./shape-results.js";

/**
 * What a serving core serves from and how (engine choices are made once, here).
 * @example
 * const options: ServingCoreOptions = { store, ...servingCoreOptions(loadConfig("api")) };
 */
export interface ServingCoreOptions {
  store: ObjectStore;
  /** Memory budget of the model cache. @default 1 GiB */
  cacheBytes?: number;
  /** The engine of every model this core loads (the process's configuration). @default "onnx" */
  engine?: EngineKind;
  /** Where ONNX Runtime sessions run: `main` in Lambda, a `worker` thread in a server. @default "worker" */
  ortThread?: OrtThread;
  /** The tfjs backend of the tfjs engine (and of exporting tfjs-only backbones to ONNX). @default initBackend's */
  backend?: EngineChoice["backend"];
  /** Backbone used when a request names no model (arch.tag, or a bare arch). @default DEFAULT_BACKBONE */
  backbone?: string;
  /** How long a `latest` lookup is reused; a newly published version is served after at most this. @default 5000 */
  resolveTtlMs?: number;
}

export interface EmbeddingsResponse {
  model: string;
  version: string;
  dim: number;
  embeddings: number[][];
}

export interface ClassifyResponse {
  model: string;
  version: string;
  results: ClassifyResult[];
}

/** Quiet time after a preload before the warm-up run. */
const WARM_UP_IDLE_MS = 100;

type CachedBundle = ModelBundle & { bytes(): number; dispose(): Promise<void> };

/**
 * The serving core: resolve a model, fetch and preprocess images into one batch, run the engine, shape results.
 * @example
 * const core = new ServingCore({ store, engine: "onnx", ortThread: "main" });
 * const { embeddings } = await core.embed({ images: [{ bytes }], normalize: true, topK: 5 });
 */
export class ServingCore {
  readonly store: ObjectStore;
  private readonly cache: ModelCache<CachedBundle>;
  private readonly choice: EngineChoice;
  private readonly backbone: string;
  private readonly resolved: ResolveCache;

  constructor(options: ServingCoreOptions) {
    this.store = options.store;
    this.cache = new ModelCache(options.cacheBytes ?? 1024 ** 3);
    // Decided here, once: every load of this core uses the same engine and session placement.
    this.choice = {
      kind: options.engine ?? "onnx",
      ortThread: options.ortThread ?? "worker",
      ...(options.backend ? { backend: options.backend } : {}),
    };
    this.backbone = options.backbone ?? DEFAULT_BACKBONE;
    this.resolved = new ResolveCache(options.resolveTtlMs ?? 5000);
  }

  /** Embed/classify requests seen so far. */
  private requests = 0;

  private async withModel<T>(ref: string | undefined, use: (b: ModelBundle) => Promise<T>): Promise<T> {
    const resolved = await this.resolved.get(ref ?? "", ref?.includes("@") ?? false, () =>
      ref ? resolveModel(this.store, ref) : resolveBackbone(this.store, this.backbone),
    );
    const load = async (): Promise<CachedBundle> => {
      const b = await loadModelBundle(this.store, resolved, this.choice);
      return { ...b, bytes: () => b.engine.memoryBytes(), dispose: () => b.engine.dispose() };
    };
    try {
      return await this.cache.with(resolved.prefix, load, use);
    } catch (err) {
      // A dead engine (its worker thread stopped) would fail every later request: drop it, the next one reloads.
      if (isResidualError(err) && err.code === "engine_crashed") this.cache.drop(resolved.prefix);
      throw err;
    }
  }

  /** Preprocess every image into one NHWC batch (decodes run in parallel on libuv's pool). */
  private async batch(req: ParsedRequest, b: ModelBundle): Promise<Float32Array> {
    const buffers = await imageBytes(this.store, req.images, MAX_BODY_BYTES);
    const { size, inChannels } = b.preprocess;
    const per = size * size * inChannels;
    const out = new Float32Array(per * buffers.length);
    await Promise.all(
      buffers.map(async (buf, i) => {
        try {
          await preprocessEval(buf, b.preprocess, { out, offset: i * per, fast: true });
        } catch (err) {
          // Name the image (ImageDecodeError: 400).
          if (!(err instanceof ImageDecodeError)) throw err;
          throw new ImageDecodeError(err.code, `images[${i}]: ${err.message}`, {
            cause: err,
            issues: [{ path: ["images", i], code: err.code, message: err.message }],
          });
        }
      }),
    );
    return out;
  }

  /**
   * Load a model (default: the backbone) into the cache and run one blank image through it, so the first request
   * finds the session built and ORT's memory arena sized. `residual serve` calls it while the server starts.
   * @example
   * await core.preload("flowers");
   */
  async preload(ref?: string): Promise<void> {
    this.preloading += 1;
    try {
      await this.warm(ref);
    } finally {
      this.preloading -= 1;
    }
  }

  /** Preloads still loading or warming up. */
  private preloading = 0;

  /**
   * Ready once every preload has finished (loaded and warmed, or failed and logged): what `/readyz` answers.
   * @example
   * core.ready(); // false while `residual serve --preload flowers` is still loading flowers
   */
  ready(): boolean {
    return this.preloading === 0;
  }

  private async warm(ref: string | undefined): Promise<void> {
    await this.withModel(ref, async (b) => {
      // Warm up only while idle: a request that comes in warms the model itself, and one arriving just after
      // `serve` starts listening must not queue behind a blank run.
      await new Promise((ok) => setTimeout(ok, WARM_UP_IDLE_MS));
      if (this.requests > 0) return;
      const { size, inChannels } = b.preprocess;
      await b.engine.run(new Float32Array(size * size * inChannels), 1, size);
    });
  }

  /**
   * @example
   * const { embeddings } = await core.embed(parseApiRequest("embeddings", req));
   */
  async embed(req: ParsedRequest): Promise<EmbeddingsResponse> {
    this.requests += 1;
    return this.withModel(req.model, async (b) => {
      const n = req.images.length;
      const out = await b.engine.run(await this.batch(req, b), n, b.preprocess.size);
      return {
        model: b.name,
        version: b.version,
        dim: out.featureDim,
        embeddings: embeddingRows(out.features, n, out.featureDim, req.normalize),
      };
    });
  }

  /**
   * @example
   * const { results } = await core.classify(parseApiRequest("classify", req));
   */
  async classify(req: ParsedRequest): Promise<ClassifyResponse> {
    this.requests += 1;
    return this.withModel(req.model, async (b) => {
      const n = req.images.length;
      const out = await b.engine.run(await this.batch(req, b), n, b.preprocess.size);
      const options = {
        topK: req.topK,
        ...(req.threshold !== undefined ? { threshold: req.threshold } : {}),
      };
      const labels = b.labels ?? [];
      return {
        model: b.name,
        version: b.version,
        results: classifyRows(out, n, labels, options, b.calibration, b.centroids),
      };
    });
  }

  models(): Promise<ModelSummaryEntry[]> {
    return listModels(this.store);
  }

  model(name: string): Promise<ModelDescription> {
    return describeModel(this.store, name);
  }

  /**
   * `jobs/<id>/status.json` as stored (the jobs module reads it; its schema is theirs).
   * @example
   * const status = await core.job("flowers-1f3c");
   */
  job(id: string): Promise<unknown> {
    return readJobDocument(this.store, id);
  }

  /**
   * Model runs and the images they carried, per loaded model (engines that report them): images/runs is the
   * micro-batching factor.
   * @example
   * core.engineStats() // { "models/flowers/v1/": { runs: 10, images: 52 } }
   */
  engineStats(): Record<string, { runs: number; images: number }> {
    const out: Record<string, { runs: number; images: number }> = {};
    for (const [key, b] of this.cache.entriesView()) if (b.engine.stats) out[key] = { ...b.engine.stats };
    return out;
  }

  /** Loaded models, most recently used last. */
  loadedModels(): string[] {
    return this.cache.keys();
  }

  async close(): Promise<void> {
    await this.cache.clear();
  }
}
