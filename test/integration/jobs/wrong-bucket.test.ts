/**
 * A queue event for another bucket: the worker serves that bucket when it may (no store of its own), and otherwise
 * leaves the message (`wrong_bucket`) without looking it up in, or recording anything into, its own store. Two
 * real buckets on moto, a real S3 notification.
 */
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  handleMessage,
  type JobRunner,
  listJobs,
  type QueueMessage,
  S3ObjectStore,
  type SqsQueue,
  servingEventBuckets,
} from "@residual/pipeline";
import { describe, expect, it } from "vitest";
import { awsTestConfig } from "../../support/aws.js";
import { runResidual } from "../../support/cli.js";
import { createJobStack } from "../../support/job-infra.js";

const runner: JobRunner = async () => ({ model: "flowers", version: "v1" });

/** Upload to bucket X and take the real notification off its queue (the s3:TestEvent deleted). */
async function uploadEvent(x: Awaited<ReturnType<typeof createJobStack>>): Promise<QueueMessage> {
  await x.infra.s3.send(
    new PutObjectCommand({ Bucket: x.infra.bucket, Key: "datasets/flowers.zip", Body: "zipbytes" }),
  );
  for (;;) {
    const got = await x.queue.receive({ waitSeconds: 5, max: 10, visibilityTimeout: 2 });
    for (const m of got) {
      if (m.body.includes("ObjectCreated")) return m;
      await x.queue.delete(m);
    }
  }
}

async function redelivered(queue: SqsQueue, id: string): Promise<boolean> {
  const again = await queue.receive({ waitSeconds: 5, max: 10, visibilityTimeout: 30 });
  return again.some((m) => m.id === id);
}

describe("events for another bucket", () => {
  it("are left on the queue with wrong_bucket, and neither store gets a status", async () => {
    const x = await createJobStack();
    const y = await createJobStack();
    const msg = await uploadEvent(x);
    const lines: string[] = [];
    const outcome = await handleMessage(x.queue, msg, {
      store: y.store,
      runner,
      log: (l) => lines.push(l),
    });
    expect(outcome).toBe("left");
    expect(lines.join("\n")).toContain("wrong_bucket");
    expect(lines.join("\n")).toContain(x.infra.bucket);
    expect(await listJobs(y.store)).toEqual([]);
    expect(await listJobs(x.store)).toEqual([]);
    expect(await redelivered(x.queue, msg.id)).toBe(true);
  });

  it("are served in their own bucket by a worker that may open any bucket", async () => {
    const x = await createJobStack();
    const y = await createJobStack();
    const msg = await uploadEvent(x);
    const cfg = awsTestConfig();
    const storeFor = servingEventBuckets(y.store, (bucket) => new S3ObjectStore({ ...cfg, bucket }));
    expect(
      await handleMessage(x.queue, msg, { store: y.store, runner, storeFor, log: () => undefined }),
    ).toBe("deleted");
    const [job] = await listJobs(x.store);
    expect(job).toMatchObject({ state: "succeeded", dataset: { bucket: x.infra.bucket } });
    expect(await listJobs(y.store)).toEqual([]);
  });

  it("residual worker --queue with a directory --store leaves them and writes nothing there", async () => {
    const x = await createJobStack({ maxReceiveCount: 5 });
    const msg = await uploadEvent(x);
    await new Promise((r) => setTimeout(r, 2500)); // visible again for the CLI's receive
    const home = await mkdtemp(join(tmpdir(), "residual-wrong-"));
    const { endpoint, region, credentials } = awsTestConfig();
    const res = await runResidual(
      ["worker", "--queue", x.infra.queueUrl, "--store", home, "--once", "--visibility", "1"],
      {
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
    );
    expect(res.stderr).toContain("wrong_bucket");
    expect(res.code).toBe(0);
    expect((await readdir(home)).filter((n) => n === "jobs")).toEqual([]);
    expect(await listJobs(x.store)).toEqual([]);
    expect(await redelivered(x.queue, msg.id)).toBe(true);
  });
});
