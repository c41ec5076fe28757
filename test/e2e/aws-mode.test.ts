/**
 * `residual start` against real S3 + SQS (the moto server): chosen from the environment alone (AWS_ENDPOINT_URL
 * + RESIDUAL_BUCKET/RESIDUAL_QUEUE_URL), no local bucket or watcher — the bucket notification feeds the queue —
 * and the same job code path takes an upload to a model the API serves.
 */
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  renderShape,
  SHAPE_CLASSES,
  shapesDatasetFiles,
  writeDatasetArchive,
} from "@residual/pipeline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoEndpoint, TEST_CREDENTIALS, TEST_REGION } from "../support/aws.js";
import { createJobInfra, type JobInfra } from "../support/job-infra.js";
import { FAST_ENV, freePort, ResidualProcess, runResidual, waitFor } from "./support/cli-process.js";

let dir: string;
let infra: JobInfra;
let env: NodeJS.ProcessEnv;
let proc: ResidualProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "residual-e2e-aws-"));
  infra = await createJobInfra();
  env = {
    ...FAST_ENV,
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_REGION,
    RESIDUAL_BUCKET: infra.bucket,
    RESIDUAL_QUEUE_URL: infra.queueUrl,
  };
  const files = await shapesDatasetFiles({ classes: 2, perClass: 6, seed: 5 });
  const spec = { arch: "cifar_resnet20", imageSize: 32, epochs: 1, batchSize: 6 };
  await writeDatasetArchive(join(dir, "tiny.tar.gz"), files, spec);
});

afterAll(async () => {
  proc?.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

describe("residual start with AWS variables set", () => {
  it("uses S3 + SQS: an upload to the bucket becomes a served model, and no local bucket appears", async () => {
    const port = await freePort();
    proc = new ResidualProcess(["start", "--port", String(port), "--json"], env, dir);
    const [line] = await proc.waitForOutput(/^\{.*\}$/m);
    const info = JSON.parse(line) as { url: string; mode: string; store: string; queue: string };
    expect(info).toMatchObject({ url: `http://127.0.0.1:${port}`, mode: "aws", queue: infra.queueUrl });
    expect(info.store).toContain(infra.bucket);

    const up = await runResidual(["upload", join(dir, "tiny.tar.gz"), "--json"], env, dir);
    expect(up.code, up.stderr).toBe(0);
    const { jobId, store } = JSON.parse(up.stdout) as { jobId: string; store: string };
    expect(store).toContain(infra.bucket);
    const job = await waitFor(
      async () => {
        const res = await fetch(`${info.url}/v1/jobs/${jobId}`);
        const body = (await res.json()) as { state?: string; result?: { model: string } };
        return body.state === "succeeded" || body.state === "failed" ? body : undefined;
      },
      120_000,
      `job ${jobId} to end`,
    );
    expect(job.state).toBe("succeeded");
    expect(job.result?.model).toBe("tiny");

    const image = await renderShape(SHAPE_CLASSES[1]!, 40, 4242);
    const res = await fetch(`${info.url}/v1/classify?model=tiny`, {
      method: "POST",
      headers: { "content-type": "image/png" },
      body: image,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { predictions: { label: string }[] }[] };
    expect(body.results[0]?.predictions.map((p) => p.label).sort()).toEqual(["blue-square", "red-circle"]);
    expect(proc.stderr).not.toContain("uploaded: job queued"); // the local watcher's line
    await expect(access(join(dir, ".residual"))).rejects.toThrow();

    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });
});
