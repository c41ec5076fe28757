import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { openQueue, SqsQueue } from "@residual/pipeline";
import { describe, expect, it } from "vitest";
import { awsTestConfig, TEST_CREDENTIALS, uniqueName } from "../../support/aws.js";
import { describeJobQueueContract, type QueuePair } from "./job-queue-contract.js";

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<string> {
  const res = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return res.QueueUrl!;
}

/** A fresh queue and DLQ on moto; with `maxReceiveCount`, a RedrivePolicy from queue to DLQ. */
async function motoPair(maxReceiveCount?: number): Promise<QueuePair> {
  const { endpoint, region, credentials } = awsTestConfig();
  const sqs = new SQSClient({ endpoint, region, credentials });
  const dlqUrl = await createQueue(sqs, uniqueName("dlq"));
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
  );
  const redrive: Record<string, string> =
    maxReceiveCount === undefined
      ? {}
      : {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: attrs.Attributes?.QueueArn, maxReceiveCount }),
        };
  const url = await createQueue(sqs, uniqueName("jobs"), redrive);
  const open = (u: string) => new SqsQueue({ url: u, endpoint, region, credentials });
  return { queue: open(url), dlq: open(dlqUrl) };
}

describeJobQueueContract("SqsQueue on moto", motoPair);

describe("SqsQueue specifics", () => {
  it("openQueue picks SQS for http(s) queue URLs, with the endpoint from the environment", async () => {
    const { queue } = await motoPair();
    const opened = openQueue(queue.url, {
      env: { AWS_ENDPOINT_URL_SQS: awsTestConfig().endpoint },
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
    });
    expect(opened).toBeInstanceOf(SqsQueue);
    await opened.send("via-open");
    const [msg] = await queue.receive({ waitSeconds: 2 });
    expect(msg?.body).toBe("via-open");
  });

  it("maps a missing queue to NotFoundError queue_not_found", async () => {
    const { endpoint, region, credentials } = awsTestConfig();
    const queue = new SqsQueue({
      url: `${endpoint}/123456789012/${uniqueName("nope")}`,
      endpoint,
      region,
      credentials,
    });
    await expect(queue.send("x")).rejects.toMatchObject({ name: "NotFoundError", code: "queue_not_found" });
  });
});
