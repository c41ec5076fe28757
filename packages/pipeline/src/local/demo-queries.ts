/**
 * The demo's questions to the API once its job runs: wait for the model (printing each epoch), then classify and
 * embed fresh images the model never saw, over real HTTP.
 */
import type { z } from "zod";
import type { ApiClient, JobView, ModelViewSchema } from "./api-client.js";
import { renderShape, SHAPE_CLASSES } from "./synthetic-shapes.js";
import { waitForJob } from "./wait-for-job.js";

/** One fresh image: its true class, the API's top prediction and that prediction's score. */
export interface DemoProbe {
  truth: string;
  predicted: string;
  score: number;
}

interface ProbeSettings {
  classes: number;
  seed: number;
  timeoutSeconds: number;
}

/** Probe images per class. */
const PROBES_PER_CLASS = 2;

function pct(x: number | undefined): string {
  return x === undefined ? "?" : `${(100 * x).toFixed(1)}%`;
}

/**
 * Wait for the job (logging state changes and epochs), then read the model's description.
 *
 * @example
 * const { job, model } = await queryModel(api, jobId, { classes: 4, seed: 1, timeoutSeconds: 900 }, console.log);
 */
export async function queryModel(
  api: ApiClient,
  jobId: string,
  o: ProbeSettings,
  log: (line: string) => void,
): Promise<{ job: JobView; model: z.infer<typeof ModelViewSchema> }> {
  const job = await waitForJob(api, jobId, {
    timeoutMs: o.timeoutSeconds * 1000,
    onUpdate: (j, what) => {
      if (what === "state") log(`job ${j.id}: ${j.state}`);
      else if (j.progress)
        log(
          `job ${j.id}: epoch ${j.progress.epoch}/${j.progress.epochs} val top1 ${pct(j.progress.metrics?.valTop1)}`,
        );
    },
  });
  const model = await api.model(job.result!.model);
  return { job, model };
}

/**
 * Render {@link PROBES_PER_CLASS} unseen images per class (a seed range the dataset never uses), then call
 * `/v1/classify` and `/v1/embeddings` on them.
 *
 * @example
 * const { rows, dim, count } = await probeImages(api, "demo-shapes", { classes: 4, seed: 1, timeoutSeconds: 60 });
 */
export async function probeImages(
  api: ApiClient,
  model: string,
  o: ProbeSettings,
): Promise<{ rows: DemoProbe[]; dim: number; count: number; preview: number[] }> {
  const classes = SHAPE_CLASSES.slice(0, o.classes);
  const truths: string[] = [];
  const images: Buffer[] = [];
  for (const [ci, c] of classes.entries()) {
    for (let i = 0; i < PROBES_PER_CLASS; i++) {
      truths.push(c.name);
      images.push(await renderShape(c, 40, 0x7fff_0000 + o.seed * 977 + ci * 31 + i));
    }
  }
  const [classified, embedded] = [await api.classify(model, images), await api.embeddings(model, images)];
  const rows = classified.results.map((r, i) => ({
    truth: truths[i]!,
    predicted: r.predictions[0]?.label ?? "(none)",
    score: r.predictions[0]?.score ?? 0,
  }));
  const first = embedded.embeddings[0] ?? [];
  return { rows, dim: embedded.dim, count: embedded.embeddings.length, preview: first.slice(0, 4) };
}
