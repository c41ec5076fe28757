/**
 * The dispatcher Lambda against real S3 + Batch APIs (moto): events become claimed jobs submitted to Batch once.
 */
import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
} from "@aws-sdk/client-batch";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { awsTestConfig, createTestRole, uniqueName } from "../../test/support/aws.js";

function record(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: "0",
      SenderId: "s",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:jobs",
    awsRegion: "us-east-1",
  };
}

const s3Body = (bucket: string, key: string, etag: string) =>
  JSON.stringify({
    Records: [
      { eventName: "ObjectCreated:Put", s3: { bucket: { name: bucket }, object: { key, eTag: etag } } },
    ],
  });

let bucket: string;
let queueArn: string;
let batch: BatchClient;

beforeAll(async () => {
  const cfg = awsTestConfig();
  bucket = uniqueName("dispatch");
  await new S3Client(cfg).send(new CreateBucketCommand({ Bucket: bucket }));
  batch = new BatchClient(cfg);
  const ce = await batch.send(
    new CreateComputeEnvironmentCommand({
      computeEnvironmentName: uniqueName("ce"),
      type: "UNMANAGED",
      state: "ENABLED",
      serviceRole: await createTestRole(uniqueName("batch")),
    }),
  );
  const q = await batch.send(
    new CreateJobQueueCommand({
      jobQueueName: uniqueName("q"),
      state: "ENABLED",
      priority: 1,
      computeEnvironmentOrder: [{ order: 1, computeEnvironment: ce.computeEnvironmentArn! }],
    }),
  );
  const jd = await batch.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: uniqueName("jd"),
      type: "container",
      containerProperties: {
        image: "residual-trainer",
        vcpus: 1,
        memory: 512,
        command: ["--job", "Ref::jobId"],
      },
    }),
  );
  queueArn = q.jobQueueArn!;
  Object.assign(process.env, {
    RESIDUAL_BUCKET: bucket,
    RESIDUAL_JOB_QUEUE: queueArn,
    RESIDUAL_JOB_DEFINITION: jd.jobDefinitionArn!,
    AWS_ENDPOINT_URL: cfg.endpoint,
    AWS_REGION: cfg.region,
    AWS_ACCESS_KEY_ID: cfg.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: cfg.credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
});

describe("dispatch handler", () => {
  it("submits one Batch job per upload, reports malformed messages, and ignores test events", async () => {
    const { handler } = await import("../src/dispatch.js");
    const event: SQSEvent = {
      Records: [
        record("m1", s3Body(bucket, "datasets%2Fflowers.zip", '"e1"')),
        record("m2", "{oops"),
        record("m3", JSON.stringify({ Event: "s3:TestEvent" })),
      ],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: "m2" }] });
    // Redelivery of the same upload: claimed already, nothing submitted.
    expect(await handler({ Records: [record("m4", s3Body(bucket, "datasets/flowers.zip", "e1"))] })).toEqual({
      batchItemFailures: [],
    });

    const { openObjectStore, listJobs } = await import("@residual/pipeline");
    const jobs = await listJobs(openObjectStore(`s3://${bucket}`));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: "queued", dataset: { key: "datasets/flowers.zip", etag: "e1" } });
    const all = await batch.send(
      new ListJobsCommand({ jobQueue: queueArn, filters: [{ name: "JOB_NAME", values: ["residual-*"] }] }),
    );
    expect(all.jobSummaryList?.length).toBe(1);
    const [desc] = (await batch.send(new DescribeJobsCommand({ jobs: [jobs[0]!.batchJobId!] }))).jobs ?? [];
    expect(desc?.parameters).toEqual({ jobId: jobs[0]!.id });
    expect(desc?.container?.environment).toEqual(
      expect.arrayContaining([
        { name: "RESIDUAL_JOB_ID", value: jobs[0]!.id },
        { name: "RESIDUAL_DATASET_KEY", value: "datasets/flowers.zip" },
      ]),
    );
  });
});
