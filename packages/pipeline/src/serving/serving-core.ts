/**
 * The serving core: resolve a model, fetch + preprocess images into one batch, run the engine, shape results.
 * One instance per process (module scope in Lambda), so the model cache stays warm across invocations.
 */
import type { EngineChoice, EngineKind, EngineOutput } from "../engine/inference-engine.js";
import type { OrtThread } from "../engine/ort/ort-runner.js";
import { isResidualError, NotFoundError, StoredModelError } from "../errors.js";
import { readJobDocument } from "../jobs/job-status.js";
import { prototypeRows } from "../prototypes/prototype-scores.js";
import { type Neighbour, nearestNeighbours } from "../registry/neighbour-files.js";
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
import { type ImageFailure, type PreprocessedBatch, preprocessBatch } from "./preprocess-batch.js";
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

/**
 * `/v1/neighbours`: per request image, the nearest stored validation images.
 * @example
 * const { results }: NeighboursResponse = await core.neighbours(req); // results[0].neighbours[0].key
 */
export interface NeighboursResponse {
  model: string;
  version: string;
  results: Array<{ neighbours: Neighbour[] }>;
}

/**
 * What the tolerant calls add: which request image each row is, and the images left out.
 * @example
 * const { indices, failed }: EachResult = await core.embedEach(req);
 */
export interface EachResult {
  indices: number[];
  failed: ImageFailure[];
}

/** What an empty batch "returns" (every image of a tolerant call failed): no rows. */
const EMPTY_OUTPUT = {
  features: new Float32Array(0),
  logits: new Float32Array(0),
  featureDim: 0,
  numClasses: 0,
};

const embedShape = (req: ParsedRequest) => (_b: ModelBundle, out: EngineOutput, n: number) => ({
  dim: out.featureDim,
  embeddings: embeddingRows(out.features, n, out.featureDim, req.normalize),
});

const classifyShape = (req: ParsedRequest) => (b: ModelBundle, out: EngineOutput, n: number) => {
  const options = { topK: req.topK, ...(req.threshold !== undefined ? { threshold: req.threshold } : {}) };
  return b.prototypes
    ? prototypeRows(out.features, n, out.featureDim, b.prototypes, options)
    : classifyRows(out, n, b.labels ?? [], options, b.calibration, b.centroids);
};

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
      return {
        ...b,
        bytes: () => b.engine.memoryBytes() + b.neighbourBytes(),
        dispose: () => b.engine.dispose(),
      };
    };
    try {
      return await this.cache.with(resolved.prefix, load, use);
    } catch (err) {
      // A dead engine (its worker thread stopped) would fail every later request: drop it, the next one reloads.
      if (isResidualError(err) && err.code === "engine_crashed") this.cache.drop(resolved.prefix);
      throw err;
    }
  }

  /** Preprocess the request's images into one NHWC batch (tolerant: bad images are left out and reported). */
  private async batch(req: ParsedRequest, b: ModelBundle, tolerant = false): Promise<PreprocessedBatch> {
    const buffers = await imageBytes(this.store, req.images, MAX_BODY_BYTES, tolerant);
    return preprocessBatch(buffers, b.preprocess, { tolerant });
  }

  /** Run the images that preprocess (all of them unless `tolerant`) and shape the rows with `shape`. */
  private async runImages<T>(
    req: ParsedRequest,
    tolerant: boolean,
    shape: (b: ModelBundle, out: EngineOutput, n: number) => T,
  ): Promise<{ model: string; version: string; rows: T; kept: number[]; failed: ImageFailure[] }> {
    this.requests += 1;
    return this.withModel(req.model, async (b) => {
      const { data, kept, failed } = await this.batch(req, b, tolerant);
      const n = kept.length;
      const rows = shape(b, n > 0 ? await b.engine.run(data, n, b.preprocess.size) : EMPTY_OUTPUT, n);
      return { model: b.name, version: b.version, rows, kept, failed };
    });
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
    } catch (err) {
      // A model asked to be preloaded that cannot load leaves the server not ready (readyz stays 503).
      this.preloadFailed = true;
      throw err;
    } finally {
      this.preloading -= 1;
    }
  }

  /** Preloads still loading or warming up. */
  private preloading = 0;
  /** Whether a preload failed (the server then never reports ready). */
  private preloadFailed = false;

  /**
   * Ready once every preload has finished (loaded and warmed, or failed and logged): what `/readyz` answers.
   * @example
   * core.ready(); // false while `residual serve --preload flowers` is still loading flowers
   */
  ready(): boolean {
    return this.preloading === 0 && !this.preloadFailed;
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
    const r = await this.runImages(req, false, embedShape(req));
    return { model: r.model, version: r.version, dim: r.rows.dim, embeddings: r.rows.embeddings };
  }

  /**
   * @example
   * const { results } = await core.classify(parseApiRequest("classify", req));
   */
  async classify(req: ParsedRequest): Promise<ClassifyResponse> {
    const r = await this.runImages(req, false, classifyShape(req));
    return { model: r.model, version: r.version, results: r.rows };
  }

  /**
   * The `req.k` (default 5) stored validation images nearest to each image's embedding (cosine), read from the
   * model's `neighbours.json` / `neighbours.bin` once and kept with the model. NotFoundError
   * `neighbours_not_stored` (404) for a model that stores none (backbones, older versions, prototype models).
   * @example
   * const { results } = await core.neighbours(parseApiRequest("neighbours", req));
   */
  async neighbours(req: ParsedRequest): Promise<NeighboursResponse> {
    this.requests += 1;
    return this.withModel(req.model, async (b) => {
      const stored = await b.neighbours();
      if (!stored) {
        throw new NotFoundError(
          "neighbours_not_stored",
          `model ${b.name}@${b.version} stores no validation embeddings (models trained before they were stored, backbones and prototype models have none)`,
        );
      }
      const { data, kept } = await this.batch(req, b);
      const out = await b.engine.run(data, kept.length, b.preprocess.size);
      const dim = out.featureDim;
      if (dim !== stored.index.dim) {
        throw new StoredModelError(
          "invalid_model_file",
          `neighbours.json has ${stored.index.dim} dims; the model's embeddings have ${dim}`,
        );
      }
      const k = req.k ?? 5;
      const opts = { thumbnails: req.thumbnails ?? false };
      const results = kept.map((_, i) => ({
        neighbours: nearestNeighbours(stored, out.features.subarray(i * dim, (i + 1) * dim), k, opts),
      }));
      return { model: b.name, version: b.version, results };
    });
  }

  /**
   * Like {@link embed}, but an image that does not decode fails alone (bulk runs): `failed` names it by index,
   * `indices[j]` is the request index of `embeddings[j]`.
   * @example
   * const { embeddings, indices, failed } = await core.embedEach({ images, normalize: true, topK: 5 });
   */
  async embedEach(req: ParsedRequest): Promise<EmbeddingsResponse & EachResult> {
    const r = await this.runImages(req, true, embedShape(req));
    const { dim, embeddings } = r.rows;
    return { model: r.model, version: r.version, dim, embeddings, indices: r.kept, failed: r.failed };
  }

  /**
   * Like {@link classify}, but an image that does not decode fails alone (see {@link embedEach}).
   * @example
   * const { results, indices, failed } = await core.classifyEach({ images, normalize: true, topK: 5 });
   */
  async classifyEach(req: ParsedRequest): Promise<ClassifyResponse & EachResult> {
    const r = await this.runImages(req, true, classifyShape(req));
    return { model: r.model, version: r.version, results: r.rows, indices: r.kept, failed: r.failed };
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
