/**
 * A worker process killed mid-epoch (Spot reclaim, OOM, kill -9) loses nothing: the message comes back after its
 * visibility timeout, the next worker sees the stale heartbeat, takes the job over and resumes from the last
 * checkpoint, and the job ends with the planned number of epochs. Real processes, real S3 + SQS (moto).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { type JobStatus, listJobs } from "@residual/pipeline";
import { describe, expect, it } from "vitest";
import { awsTestConfig, TEST_CREDENTIALS } from "../../support/aws.js";
import { createJobStack, shapesZip } from "../../support/job-infra.js";

const BIN = "packages/pipeline/bin/residual.js";

function startWorker(queueUrl: string, bucket: string, log: string[]): ChildProcess {
  const cfg = awsTestConfig();
  const child = spawn(
    process.execPath,
    [
      BIN,
      "worker",
      "--queue",
      queueUrl,
      "--store",
      `s3://${bucket}`,
      "--visibility",
      "4",
      "--heartbeat",
      "1",
    ],
    {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: cfg.endpoint,
        AWS_REGION: cfg.region,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (d: Buffer) => log.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => log.push(d.toString()));
  return child;
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  log: string[],
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}\n${log.join("").slice(-3000)}`);
}

describe("worker killed mid-epoch", () => {
  it("resumes from the checkpoint in a new process and finishes the planned epochs", async () => {
    const { infra, store } = await createJobStack({ maxReceiveCount: 5 });
    const epochs = 4;
    const spec = { arch: "cifar_resnet20", imageSize: 32, epochs, batchSize: 8, seed: 5 };
    await infra.s3.send(
      new PutObjectCommand({
        Bucket: infra.bucket,
        Key: "datasets/resume.zip",
        Body: await shapesZip(spec, 20),
      }),
    );
    const log: string[] = [];
    const job = async (): Promise<JobStatus | undefined> => (await listJobs(store))[0];

    const first = startWorker(infra.queueUrl, infra.bucket, log);
    const running = await waitFor(
      "the first checkpoint",
      async () => {
        const j = await job();
        return j && (await store.head(`jobs/${j.id}/checkpoints/latest.json`)) ? j : undefined;
      },
      240_000,
      log,
    );
    await new Promise((r) => setTimeout(r, 800)); // into the next epoch
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const killedAt = (await job())!;
    expect(killedAt.state).toBe("running");

    const second = startWorker(infra.queueUrl, infra.bucket, log);
    try {
      const done = await waitFor(
        "the job to finish",
        async () => {
          const j = await job();
          return j && (j.state === "succeeded" || j.state === "failed") ? j : undefined;
        },
        300_000,
        log,
      );
      expect(done, log.join("").slice(-2000)).toMatchObject({
        id: running.id,
        state: "succeeded",
        attempts: 2,
      });
      const version = done.result!.version;
      const metrics = JSON.parse((await store.get(`models/resume/${version}/metrics.json`)).toString());
      expect(metrics.history).toHaveLength(epochs);
      const jobJson = JSON.parse((await store.get(`models/resume/${version}/job.json`)).toString());
      expect(jobJson.training.resumedFrom).toBeDefined();
    } finally {
      second.kill("SIGTERM");
    }
  }, 600_000);
});
