/**
 * `residual demo`: generate a small synthetic dataset, upload it like a user would, wait for its job, then ask the
 * API for embeddings and classes of fresh images over real HTTP. When nothing answers at the URL, the demo runs
 * the pipeline in-process for its own duration.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARCH_NAMES } from "@residual/resnet";
import { z } from "zod";
import { loadConfig } from "../config/load-config.js";
import { InvalidInputError } from "../errors.js";
import { jobIdFor } from "../jobs/job-id.js";
import { uploadDataset } from "../jobs/upload.js";
import { openObjectStore } from "../store/open-object-store.js";
import { storeFingerprint } from "../store/store-fingerprint.js";
import { ApiClient } from "./api-client.js";
import { writeDatasetArchive } from "./dataset-archive.js";
import { type DemoProbe, probeImages, queryModel } from "./demo-queries.js";
import { resolveMode } from "./pipeline-mode.js";
import { type RunningPipeline, startPipeline } from "./start-pipeline.js";
import { SHAPE_CLASSES, shapesDatasetFiles } from "./synthetic-shapes.js";

export const DemoOptionsSchema = z.object({
  url: z.url().default("http://127.0.0.1:8080"),
  /** The bucket the pipeline at `url` watches (a directory or s3://bucket). */
  store: z.string().min(1).default(".residual"),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i)
    .default("demo-shapes"),
  classes: z.coerce.number().int().min(2).max(SHAPE_CLASSES.length).default(4),
  perClass: z.coerce.number().int().min(4).max(500).default(40),
  imageSize: z.coerce.number().int().min(16).max(128).default(32),
  epochs: z.coerce.number().int().min(1).max(100).default(4),
  batchSize: z.coerce.number().int().min(1).max(256).default(16),
  arch: z.enum(ARCH_NAMES).default("cifar_resnet20"),
  seed: z.coerce.number().int().min(0).default(1),
  timeoutSeconds: z.coerce.number().positive().default(900),
  /** Bearer token of the pipeline at `url` (and of the one the demo starts). */
  token: z.string().min(1).optional(),
});
export type DemoOptions = z.output<typeof DemoOptionsSchema>;

export interface DemoResult {
  apiUrl: string;
  startedPipeline: boolean;
  jobId: string;
  model: string;
  version: string;
  /** Where the model's files are: `<store>/models/<name>/<version>/`. */
  modelLocation: string;
  valTop1: number | undefined;
  probes: DemoProbe[];
  correct: number;
  embeddingDim: number;
  /** How many embeddings came back (one per probe image). */
  embeddingCount: number;
  /** The first values of the first embedding, to show. */
  embeddingPreview: number[];
}

/**
 * The spec put into the archive's `residual.json`. No `name`: the model is named after the dataset (the archive's
 * file name, or `residual upload --name`), so a folder written with `--out` can be uploaded under any name.
 */
export function demoSpec(o: DemoOptions): Record<string, unknown> {
  return { arch: o.arch, imageSize: o.imageSize, epochs: o.epochs, batchSize: o.batchSize, seed: o.seed };
}

/** Use the pipeline answering at `o.url`, or start one in-process over the local store. */
async function ensurePipeline(api: ApiClient, o: DemoOptions, log: (l: string) => void) {
  const health = await api.health();
  if (health) {
    // Its job would land in another bucket and never show: say so now, not after the job timeout.
    if (health.store !== undefined && health.store !== storeFingerprint(openObjectStore(o.store)))
      throw new InvalidInputError(
        "store_mismatch",
        `the pipeline at ${o.url} serves another bucket than --store ${o.store}; pass the --store it was ` +
          "started with (residual start prints it), or another --url",
      );
    // A server started with --token: find out before uploading a dataset whose job we could not follow.
    await api.checkAccess();
    return undefined;
  }
  if (o.store.startsWith("s3://"))
    throw new InvalidInputError(
      "no_pipeline",
      `nothing answers at ${o.url}: start it first with residual start --aws`,
    );
  const u = new URL(o.url);
  log(`no pipeline at ${o.url}: starting one in this process (bucket ${o.store})`);
  const config = loadConfig("local");
  return startPipeline({
    config,
    mode: resolveMode({ home: o.store, local: true }, config),
    port: Number(u.port || 80),
    host: u.hostname.replace(/^\[|\]$/g, ""),
    log,
    tty: process.stderr.isTTY === true,
    ...(o.token ? { token: o.token } : {}),
  });
}

/** Generate the dataset archive, upload it and return its job id. */
async function uploadDemoDataset(o: DemoOptions, log: (l: string) => void): Promise<string> {
  const store = openObjectStore(o.store);
  const dir = await mkdtemp(join(tmpdir(), "residual-demo-"));
  try {
    const files = await shapesDatasetFiles({ classes: o.classes, perClass: o.perClass, seed: o.seed });
    const archive = join(dir, `${o.name}.tar.gz`);
    await writeDatasetArchive(archive, files, demoSpec(o));
    const { key } = await uploadDataset(store, archive);
    const head = await store.head(key);
    if (!head) throw new InvalidInputError("upload_lost", `${key} vanished right after the upload`);
    const bucket = o.store.startsWith("s3://") ? new URL(o.store).host : "local";
    const id = jobIdFor({ bucket, key, etag: head.etag });
    log(`uploaded ${files.size} images (${o.classes} classes) → ${store.url}/${key}; job ${id}`);
    return id;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Run the demo end to end; `log` gets human-readable progress lines.
 *
 * @example
 * const r = await runDemo(DemoOptionsSchema.parse({ store: "/tmp/r", url: "http://127.0.0.1:8089" }), console.log);
 */
export async function runDemo(o: DemoOptions, log: (line: string) => void): Promise<DemoResult> {
  const api = new ApiClient(o.url.replace(/\/$/, ""), o.token);
  const started: RunningPipeline | undefined = await ensurePipeline(api, o, log);
  try {
    const jobId = await uploadDemoDataset(o, log);
    const { job, model } = await queryModel(api, jobId, o, log);
    const probes = await probeImages(api, job.result!.model, o);
    const store = openObjectStore(o.store);
    return {
      apiUrl: api.baseUrl,
      startedPipeline: started !== undefined,
      jobId,
      model: job.result!.model,
      version: job.result!.version,
      modelLocation: `${store.url}/models/${job.result!.model}/${job.result!.version}/`,
      valTop1: model.metrics?.val?.top1,
      probes: probes.rows,
      correct: probes.rows.filter((p) => p.predicted === p.truth).length,
      embeddingDim: probes.dim,
      embeddingCount: probes.count,
      embeddingPreview: probes.preview,
    };
  } finally {
    await started?.stop();
  }
}
