/**
 * The job lifecycle over real S3 + SQS (moto): bucket notification → queue → worker → status.json, with the
 * at-least-once corner cases. The runner here is a small real function (the trainer has its own end-to-end test):
 * what is under test is claiming, status transitions, message deletion and redelivery.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import {
  DatasetError,
  handleMessage,
  type JobRunner,
  listJobs,
  readJobStatus,
  runQueueWorker,
} from "@residual/pipeline";
import { describe, expect, it } from "vitest";
import { createJobStack } from "../../support/job-infra.js";

const setup = (maxReceiveCount = 2) => createJobStack({ maxReceiveCount });

const quiet = () => undefined;

describe("worker lifecycle on S3 + SQS", () => {
  it("runs an uploaded dataset's job once, even when the event is delivered twice", async () => {
    const { infra, store, queue } = await setup();
    const runs: string[] = [];
    const runner: JobRunner = async (ctx) => {
      runs.push(ctx.id);
      const bytes = await ctx.store.get(ctx.status.dataset.key);
      await ctx.reportProgress({ epoch: 1, epochs: 1, metrics: { bytes: bytes.length } });
      return { model: "flowers", version: "v1" };
    };
    await infra.s3.send(
      new PutObjectCommand({ Bucket: infra.bucket, Key: "datasets/flowers.zip", Body: "zipbytes" }),
    );
    // Take the real notification and deliver its body a second time, as SQS may.
    const first = await queue.receive({ waitSeconds: 5, max: 10, visibilityTimeout: 30 });
    const event = first.find((m) => m.body.includes("ObjectCreated"));
    expect(event).toBeDefined();
    for (const m of first.filter((x) => x !== event)) await queue.delete(m); // the s3:TestEvent
    await queue.send(event!.body);
    expect(await handleMessage(queue, event!, { store, runner, log: quiet })).toBe("deleted");
    const handled = await runQueueWorker(queue, {
      store,
      runner,
      log: quiet,
      maxMessages: 1,
      waitSeconds: 2,
    });
    expect(handled).toBe(1);
    expect(runs).toHaveLength(1);
    const [job] = await listJobs(store);
    expect(job).toMatchObject({
      state: "succeeded",
      result: { model: "flowers", version: "v1" },
      attempts: 1,
    });
    expect(job?.progress?.metrics?.bytes).toBe(8);
    const left = await queue.receive({ waitSeconds: 1, max: 10 });
    expect(left).toEqual([]);
  });

  it("records a bad dataset as failed with its reason and removes the message", async () => {
    const { infra, store, queue } = await setup();
    const runner: JobRunner = async () => {
      throw new DatasetError("too_few_classes", "the dataset has 1 class; at least 2 are needed");
    };
    await infra.s3.send(new PutObjectCommand({ Bucket: infra.bucket, Key: "datasets/bad.zip", Body: "x" }));
    const handled = await runQueueWorker(queue, {
      store,
      runner,
      log: quiet,
      maxMessages: 2,
      waitSeconds: 5,
    });
    expect(handled).toBe(2); // the s3:TestEvent and the upload
    const [job] = await listJobs(store);
    expect(job?.state).toBe("failed");
    expect(job?.error).toEqual({
      code: "too_few_classes",
      message: "the dataset has 1 class; at least 2 are needed",
    });
    expect(await queue.receive({ waitSeconds: 1 })).toEqual([]);
  });

  it("leaves a transient failure for redelivery and resumes the same job", async () => {
    const { infra, store, queue } = await setup(5);
    let calls = 0;
    const runner: JobRunner = async () => {
      calls++;
      if (calls === 1) throw new Error("connection reset");
      return { model: "m", version: "v2" };
    };
    await infra.s3.send(new PutObjectCommand({ Bucket: infra.bucket, Key: "datasets/m.tar.gz", Body: "x" }));
    const msgs = (await queue.receive({ waitSeconds: 5, max: 10, visibilityTimeout: 1 })).filter((m) =>
      m.body.includes("ObjectCreated"),
    );
    expect(await handleMessage(queue, msgs[0]!, { store, runner, log: quiet })).toBe("left");
    const [queued] = await listJobs(store);
    expect(queued).toMatchObject({ state: "queued", error: { code: "internal_error" } });
    await new Promise((r) => setTimeout(r, 1500));
    const again = (await queue.receive({ waitSeconds: 5, max: 10 })).filter((m) =>
      m.body.includes("ObjectCreated"),
    );
    expect(again[0]?.receiveCount).toBe(2);
    expect(await handleMessage(queue, again[0]!, { store, runner, log: quiet })).toBe("deleted");
    expect(await readJobStatus(store, queued!.id)).toMatchObject({ state: "succeeded", attempts: 2 });
    // Both attempts are in the job's log in the bucket, in order.
    const log = (await store.get(`jobs/${queued!.id}/log.txt`)).toString();
    expect(log).toMatch(
      /attempt 1 on [^\n]*\n[^\n]*will retry \[internal_error\] connection reset\n[^\n]*attempt 2 on [^\n]*\n[^\n]*succeeded → models\/m\/v2\n$/,
    );
  });

  it("moves a poison message to the dead-letter queue after maxReceiveCount", async () => {
    const { infra, store, queue } = await setup(2);
    const runner: JobRunner = async () => ({ model: "never", version: "v" });
    await infra.sqs.send(new SendMessageCommand({ QueueUrl: infra.queueUrl, MessageBody: "{not json" }));
    for (let i = 0; i < 3; i++) {
      const msgs = await queue.receive({ waitSeconds: 2, max: 10, visibilityTimeout: 1 });
      for (const m of msgs) await handleMessage(queue, m, { store, runner, log: quiet });
      await new Promise((r) => setTimeout(r, 1100));
    }
    const dead = await infra.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: infra.dlqUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }),
    );
    expect(dead.Messages?.map((m) => m.Body)).toContain("{not json");
    expect(await listJobs(store)).toEqual([]);
  });
});
