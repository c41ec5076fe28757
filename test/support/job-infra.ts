/**
 * Real S3 + SQS wiring on the moto server, as the CDK stack wires it on AWS: a bucket whose `datasets/` uploads
 * notify a queue with a dead-letter queue.
 */
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { S3ObjectStore, SqsQueue } from "@residual/pipeline";
import { awsTestConfig, uniqueName } from "./aws.js";
import { filesToZip, makeShapesDataset } from "./images.js";

export interface JobInfra {
  bucket: string;
  queueUrl: string;
  dlqUrl: string;
  s3: S3Client;
  sqs: SQSClient;
}

export async function createJobInfra(
  opts: { maxReceiveCount?: number; visibilityTimeout?: number } = {},
): Promise<JobInfra> {
  const cfg = awsTestConfig();
  const s3 = new S3Client(cfg);
  const sqs = new SQSClient(cfg);
  const bucket = uniqueName("residual");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName("dlq") }));
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))
  ).Attributes?.QueueArn;
  const q = await sqs.send(
    new CreateQueueCommand({
      QueueName: uniqueName("jobs"),
      Attributes: {
        VisibilityTimeout: String(opts.visibilityTimeout ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: opts.maxReceiveCount ?? 2,
        }),
      },
    }),
  );
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ["QueueArn"] }))
  ).Attributes?.QueueArn;
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            QueueArn: queueArn,
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "datasets/" }] } },
          },
        ],
      },
    }),
  );
  return { bucket, queueUrl: q.QueueUrl!, dlqUrl: dlq.QueueUrl!, s3, sqs };
}

/** A small three-class shapes dataset as a zip, with `spec` as its `residual.json`. */
export async function shapesZip(spec: Record<string, unknown>, perClass = 10): Promise<Buffer> {
  const files = await makeShapesDataset({
    classes: ["circle", "square", "cross"],
    perClass,
    width: 36,
    height: 36,
  });
  files.set("residual.json", Buffer.from(JSON.stringify(spec)));
  return filesToZip(files);
}

/** Bucket + queue (with DLQ and notification) on moto, and the pipeline's store and queue over them. */
export async function createJobStack(opts: { maxReceiveCount?: number } = {}) {
  const infra = await createJobInfra(opts);
  const { endpoint, region, credentials } = awsTestConfig();
  const store = new S3ObjectStore({
    bucket: infra.bucket,
    endpoint,
    region,
    credentials,
    forcePathStyle: true,
  });
  const queue = new SqsQueue({ url: infra.queueUrl, endpoint, region, credentials });
  return { infra, store, queue };
}

/** Upload a shapes zip with `spec` as its `residual.json` to the stack's bucket under `key`. */
export async function putShapesZip(
  infra: JobInfra,
  key: string,
  spec: Record<string, unknown>,
  perClass?: number,
): Promise<void> {
  await infra.s3.send(
    new PutObjectCommand({ Bucket: infra.bucket, Key: key, Body: await shapesZip(spec, perClass) }),
  );
}
