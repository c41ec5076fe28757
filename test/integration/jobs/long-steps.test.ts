/**
 * Long steps vs leases: a real training job (the job thread, the wasm engine) whose single steps outlast the
 * lease, on S3 + SQS (moto). The heartbeat (status.json `heartbeatAt` and the message's visibility) lives on the
 * worker's own event loop, so it keeps coming while a step blocks the job thread, and a second worker polling the
 * same queue never takes the job.
 */
import {
  type JobRunner,
  listJobs,
  readJobStatus,
  runQueueWorker,
  threadedTrainingRunner,
} from "@residual/pipeline";
import { describe, expect, it } from "vitest";
import { createJobStack, putShapesZip } from "../../support/job-infra.js";

const LEASE_SECONDS = 1.5;

describe("steps longer than the lease", () => {
  it("heartbeats keep coming while a step blocks the job thread, and no second worker takes the job", {
    timeout: 300_000,
  }, async () => {
    const { infra, store, queue } = await createJobStack({ maxReceiveCount: 10 });
    const spec = { arch: "resnet18", recipe: "imagenet", imageSize: 160, epochs: 1, batchSize: 16, seed: 1 };
    await putShapesZip(infra, "datasets/heavy.zip", spec, 12);
    const stepSeconds: number[] = [];
    let second: Promise<number> | undefined;
    const startSecond = () => {
      second ??= runSecond();
    };
    const beats = new Set<string>();
    let id: string | undefined;
    const ctl = new AbortController();
    const stolen: string[] = [];
    const thief: JobRunner = async (ctx) => {
      stolen.push(ctx.id);
      return { model: "stolen", version: "v0" };
    };
    const runSecond = () =>
      runQueueWorker(queue, {
        store,
        runner: thief,
        waitSeconds: 1,
        visibilityTimeout: 2,
        heartbeatSeconds: 0.5,
        leaseSeconds: LEASE_SECONDS,
        workerId: "second",
        signal: ctl.signal,
        log: () => undefined,
      });
    const sampler = (async () => {
      while (!ctl.signal.aborted) {
        id ??= (await listJobs(store))[0]?.id;
        if (id) {
          const s = await readJobStatus(store, id).catch(() => undefined);
          if (s?.state === "running" && s.heartbeatAt) beats.add(s.heartbeatAt);
          // The job is running and its message in flight: now a second worker polls the same queue.
          if (s?.state === "running") startSecond();
          const ips = s?.progress?.step !== undefined ? s.progress.imagesPerSecond : undefined;
          if (ips) stepSeconds.push(spec.batchSize / ips);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const logs: string[] = [];
    const t0 = Date.now();
    await runQueueWorker(queue, {
      store,
      runner: threadedTrainingRunner({ runner: { progressEveryMs: 0 } }),
      maxMessages: 2, // the s3:TestEvent (or the upload) and the upload
      waitSeconds: 5,
      visibilityTimeout: 2,
      heartbeatSeconds: 0.5,
      leaseSeconds: LEASE_SECONDS,
      workerId: "first",
      log: (l) => logs.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${l}`),
    }).finally(() => ctl.abort());
    await Promise.all([second, sampler]);
    expect(second, "the second worker never started").toBeDefined();
    const [job] = await listJobs(store);
    expect(job, logs.join("\n")).toMatchObject({ state: "succeeded", attempts: 1, worker: "first" });
    expect(stolen).toEqual([]);
    const stepLog = (await store.get(`jobs/${job!.id}/log.txt`)).toString();
    // The steps really were longer than the lease (the trainer's own images/s over a batch) …
    const trainingMs = Date.now() - t0;
    expect(Math.max(0, ...stepSeconds), logs.join("\n")).toBeGreaterThan(LEASE_SECONDS);
    // ... and yet status.json got a fresh heartbeat many times while it ran.
    expect(beats.size, stepLog).toBeGreaterThan(trainingMs / (LEASE_SECONDS * 1000) / 2);
  });
});
