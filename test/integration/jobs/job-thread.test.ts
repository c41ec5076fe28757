/**
 * Training on a job thread (issue 11): the job runs on its own worker thread against the same S3 bucket (moto,
 * reopened there from its location), the caller's event loop keeps ticking through every step, an abort
 * checkpoints and hands the job back, and a permanent error keeps its class across the thread.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { listJobs, runQueueWorker, threadedTrainingRunner } from "@residual/pipeline";
import { describe, expect, it } from "vitest";
import { createJobStack, shapesZip } from "../../support/job-infra.js";

/** The longest gap between ticks of a 20 ms interval while `run` is pending. */
async function maxLoopGap<T>(run: () => Promise<T>): Promise<{ value: T; gapMs: number }> {
  let last = performance.now();
  let gapMs = 0;
  const t = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 20);
  try {
    return { value: await run(), gapMs };
  } finally {
    clearInterval(t);
  }
}

describe("jobs on their own thread", () => {
  it("trains on the thread while this event loop stays free", async () => {
    const { infra, store, queue } = await createJobStack();
    const spec = { arch: "cifar_resnet20", imageSize: 32, epochs: 2, batchSize: 8, seed: 3 };
    await infra.s3.send(
      new PutObjectCommand({ Bucket: infra.bucket, Key: "datasets/shapes.zip", Body: await shapesZip(spec) }),
    );
    const logs: string[] = [];
    const { gapMs } = await maxLoopGap(() =>
      runQueueWorker(queue, {
        store,
        runner: threadedTrainingRunner({ runner: { progressEveryMs: 0 } }),
        maxMessages: 2,
        waitSeconds: 5,
        log: (l) => logs.push(l),
      }),
    );
    const [job] = await listJobs(store);
    expect(job, logs.join("\n")).toMatchObject({ state: "succeeded", result: { model: "shapes" } });
    const log = (await store.get(`jobs/${job!.id}/log.txt`)).toString();
    expect(log).toMatch(/tfjs backend: wasm/);
    expect(log).toMatch(/training engine: wasm \(\d+ threads/);
    expect(gapMs).toBeLessThan(1000);
  });

  it("an abort hands the job back with its checkpoint (mid-epoch checkpoints: training-run.test.ts)", async () => {
    const { infra, store, queue } = await createJobStack();
    const spec = { arch: "cifar_resnet20", imageSize: 32, epochs: 50, batchSize: 4, seed: 3 };
    await infra.s3.send(
      new PutObjectCommand({ Bucket: infra.bucket, Key: "datasets/long.zip", Body: await shapesZip(spec) }),
    );
    const ctl = new AbortController();
    const logs: string[] = [];
    await runQueueWorker(queue, {
      store,
      runner: threadedTrainingRunner({ runner: { progressEveryMs: 0 } }),
      maxMessages: 5,
      waitSeconds: 5,
      signal: ctl.signal,
      log: (l) => {
        logs.push(l);
        if (/epoch 1\/50/.test(l)) ctl.abort();
      },
    });
    const [job] = await listJobs(store);
    expect(job, logs.join("\n")).toMatchObject({ state: "queued", error: { code: "training_aborted" } });
    expect(await store.head(`jobs/${job!.id}/checkpoints/latest.json`)).toBeDefined();
  });

  it("a permanent error keeps its class across the thread: the job fails with its code", async () => {
    const { infra, store, queue } = await createJobStack();
    const bad = { arch: "cifar_resnet20", epochs: 2, batchSize: 8, freeze: 99 };
    await infra.s3.send(
      new PutObjectCommand({ Bucket: infra.bucket, Key: "datasets/bad.zip", Body: await shapesZip(bad) }),
    );
    await runQueueWorker(queue, {
      store,
      runner: threadedTrainingRunner(),
      maxMessages: 2,
      waitSeconds: 5,
      log: () => undefined,
    });
    const [job] = await listJobs(store);
    expect(job).toMatchObject({ state: "failed", error: { code: "invalid_job_spec" } });
  });
});
