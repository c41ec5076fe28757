/**
 * The local mode end to end, as a user runs it: `residual start` in a spawned process, `residual upload` of the
 * generated shapes dataset, the job over real HTTP, a SIGKILL mid-training and a restart that resumes from the
 * checkpoint, the API's embeddings and classes, a dataset copied straight into the watched folder, and a
 * graceful SIGTERM.
 */
import { access, copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalObjectStore } from "@residual/pipeline";
import {
  renderShape,
  SHAPE_CLASSES,
  shapesDatasetFiles,
  writeDatasetArchive,
  writeDatasetFolder,
} from "@residual/pipeline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAST_ENV, freePort, ResidualProcess, runResidual, waitFor } from "./support/cli-process.js";

const EPOCHS = 4;
const CLASSES = SHAPE_CLASSES.slice(0, 3).map((c) => c.name);
const SPEC = { name: "shapes", arch: "cifar_resnet20", imageSize: 32, epochs: EPOCHS, batchSize: 6, seed: 3 };

let dir: string;
let home: string;
let port: number;
let url: string;
let jobId: string;
let running: ResidualProcess | undefined;

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function jobState(id: string): Promise<string | undefined> {
  const { status, body } = await getJson(`/v1/jobs/${id}`);
  return status === 200 ? String(body.state) : undefined;
}

function startProcess(): ResidualProcess {
  running = new ResidualProcess(["start", "--home", home, "--port", String(port)], FAST_ENV);
  return running;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "residual-e2e-"));
  home = join(dir, "home");
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const files = await shapesDatasetFiles({ classes: 3, perClass: 8, seed: 3 });
  await writeDatasetFolder(join(dir, "shapes"), files, SPEC);
  await writeDatasetArchive(join(dir, "dropped.tar.gz"), files, { ...SPEC, name: "dropped", epochs: 30 });
});

afterAll(async () => {
  running?.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

describe.sequential("residual start (local mode)", () => {
  it("runs an uploaded dataset's job and survives a SIGKILL mid-training by resuming from its checkpoint", async () => {
    const first = startProcess();
    const [, printed] = await first.waitForOutput(/residual: pipeline ready on (\S+)/);
    expect(printed).toBe(url);
    expect(first.stdout).toContain(`residual upload ./my-dataset --store`);

    const up = await runResidual(["upload", join(dir, "shapes"), "--store", home, "--json"]);
    expect(up.code, up.stderr).toBe(0);
    jobId = (JSON.parse(up.stdout) as { jobId: string }).jobId;
    const checkpoint = join(home, "jobs", jobId, "checkpoints", "latest.json");
    // The job trains on its own thread: /healthz answers promptly on every sample until the first checkpoint.
    const health: number[] = [];
    await waitFor(
      async () => {
        const t0 = performance.now();
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
        health.push(res.ok ? performance.now() - t0 : Number.POSITIVE_INFINITY);
        return (await exists(checkpoint)) ? true : undefined;
      },
      90_000,
      "the first checkpoint",
    );
    expect(health.length).toBeGreaterThan(3);
    expect(Math.max(...health), `healthz latencies ${health.map((h) => h.toFixed(0))}`).toBeLessThan(2000);
    expect(await jobState(jobId)).toBe("running");
    first.kill("SIGKILL");
    await first.exited;

    const second = startProcess();
    await second.waitForOutput(/pipeline ready/);
    await waitFor(
      async () => ((await jobState(jobId)) === "succeeded" ? true : undefined),
      120_000,
      "success",
    );
    const { body: status } = await getJson(`/v1/jobs/${jobId}`);
    expect(status.attempts).toBe(2);
    const result = status.result as { model: string; version: string };
    expect(result.model).toBe("shapes");
    const modelDir = join(home, "models", "shapes", result.version);
    const metrics = JSON.parse(await readFile(join(modelDir, "metrics.json"), "utf8")) as {
      history: unknown[];
    };
    expect(metrics.history).toHaveLength(EPOCHS);
    const job = JSON.parse(await readFile(join(modelDir, "job.json"), "utf8")) as {
      training: { resumedFrom?: { epoch: number } };
    };
    expect(job.training.resumedFrom?.epoch).toBeGreaterThanOrEqual(1);
    expect(second.stderr).toContain(`job ${jobId}: succeeded`);
  });

  it("answers embeddings and classifications for the new model over HTTP", async () => {
    const images = await Promise.all(SHAPE_CLASSES.slice(0, 3).map((c, i) => renderShape(c, 40, 9000 + i)));
    const body = (extra: object) =>
      JSON.stringify({
        model: "shapes",
        images: images.map((b) => ({ base64: b.toString("base64") })),
        ...extra,
      });
    const post = async (path: string, payload: string) => {
      const res = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: payload,
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const emb = await post("/v1/embeddings", body({}));
    expect(emb.status).toBe(200);
    const embeddings = emb.json.embeddings as number[][];
    expect(embeddings).toHaveLength(3);
    for (const e of embeddings) {
      expect(e).toHaveLength(emb.json.dim as number);
      expect(Math.hypot(...e)).toBeCloseTo(1, 3);
    }
    const cls = await post("/v1/classify", body({ topK: 3 }));
    expect(cls.status).toBe(200);
    const results = cls.json.results as { predictions: { label: string; score: number }[] }[];
    expect(results).toHaveLength(3);
    for (const r of results) {
      expect(r.predictions.map((p) => p.label).sort()).toEqual([...CLASSES].sort());
      const scores = r.predictions.map((p) => p.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
    const missing = await post(
      "/v1/classify",
      JSON.stringify({ model: "nope", images: [{ base64: images[0]!.toString("base64") }] }),
    );
    expect(missing.status).toBe(404);
  });

  it("residual demo uses the running pipeline instead of starting its own", async () => {
    const small = ["--classes", "2", "--per-class", "6", "--epochs", "1", "--batch-size", "6", "--seed", "7"];
    const res = await runResidual(["demo", "--store", home, "--url", url, "--json", ...small]);
    expect(res.code, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout) as { startedPipeline: boolean; jobId: string; embeddingCount: number };
    expect(r.startedPipeline).toBe(false);
    expect(r.embeddingCount).toBe(4);
    expect(running!.stderr).toContain(`job ${r.jobId}: succeeded`); // trained by the `residual start` process
  });

  it("starts a job for an archive copied into datasets/ and hands it back on SIGTERM", async () => {
    const proc = running!;
    await copyFile(join(dir, "dropped.tar.gz"), join(home, "datasets", "dropped.tar.gz"));
    const id = await waitFor(
      () => /job (dropped-[0-9a-f]+): claimed/.exec(proc.stderr)?.[1],
      30_000,
      "the watcher to queue the dropped archive",
    );
    await waitFor(async () => ((await jobState(id)) === "running" ? true : undefined), 60_000, "running");
    await waitFor(() => (/job dropped-\S+: epoch/.test(proc.stderr) ? true : undefined), 60_000, "an epoch");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(proc.stderr).toContain("residual start: stopped");
    const store = new LocalObjectStore(home);
    const status = JSON.parse((await store.get(`jobs/${id}/status.json`)).toString()) as { state: string };
    expect(status.state).toBe("queued");
    expect(await store.head(`jobs/${id}/checkpoints/latest.json`)).toBeDefined();
    const keys: string[] = [];
    for await (const o of store.list("datasets/")) keys.push(o.key);
    expect(keys).toContain("datasets/dropped.tar.gz");
    expect(keys.some((k) => k.includes(".queue"))).toBe(false);
    expect(await exists(join(home, ".queue", "ready"))).toBe(true);
  });
});
