import { Duration, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3n from "aws-cdk-lib/aws-s3-notifications";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { assertNoProblems, checkIntegerRange } from "./invalid-props-error.js";
import { BUCKET_PREFIXES } from "./residual-bucket.js";

/**
 * The object-key suffixes that start a job: archives, and the `residual.json` marker a folder upload ends with.
 * S3 allows one suffix per filter, so each gets its own notification.
 */
export const DATASET_TRIGGER_SUFFIXES = [".zip", ".tar", ".tar.gz", ".tgz", "residual.json"] as const;

export interface DatasetTriggerProps {
  /** The data bucket whose `datasets/` uploads start jobs. */
  readonly bucket: s3.IBucket;
  /**
   * How many receives before a message moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * Visibility timeout of the job queue; must cover one dispatcher invocation (6x its timeout is AWS's advice).
   * @default Duration.minutes(6)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * How long the dead-letter queue keeps messages for inspection and redrive.
   * @default Duration.days(14)
   */
  readonly deadLetterRetention?: Duration;
  /**
   * How long the job queue keeps undelivered messages.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * S3 `ObjectCreated` under `datasets/` (archives and `residual.json` markers) → SQS job queue → dead-letter queue.
 * Both queues are encrypted (SSE-SQS) and TLS-only; the queue policy accepts S3 events only from this bucket.
 *
 * @example
 * const trigger = new DatasetTrigger(this, "Trigger", { bucket: data.bucket, maxReceiveCount: 3 });
 * new SqsEventSource(trigger.queue);
 */
export class DatasetTrigger extends Construct {
  /** The queue of dataset-upload events. */
  public readonly queue: sqs.Queue;
  /** Where events go after `maxReceiveCount` failed receives. */
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DatasetTriggerProps) {
    // Validate before the node joins the tree: a rejected construct leaves nothing behind in its scope.
    validate(props);
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetention ?? Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is itself the dead-letter queue of the job queue.",
    });
    this.queue = new sqs.Queue(this, "Queue", {
      // SSE-SQS rather than KMS: S3 can publish to it without a key policy, and there is no key to manage.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(6),
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.addNotifications(props.bucket);
  }

  private addNotifications(bucket: s3.IBucket): void {
    // The destination adds a queue policy for s3.amazonaws.com scoped to this bucket (aws:SourceArn); the account
    // condition below closes the confused-deputy gap if a bucket of that name ever belongs to someone else.
    const destination = new s3n.SqsDestination(this.queue);
    for (const suffix of DATASET_TRIGGER_SUFFIXES) {
      bucket.addEventNotification(s3.EventType.OBJECT_CREATED, destination, {
        prefix: BUCKET_PREFIXES.datasets,
        suffix,
      });
    }
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "DenyS3FromOtherAccounts",
        effect: iam.Effect.DENY,
        principals: [new iam.ServicePrincipal("s3.amazonaws.com")],
        actions: ["sqs:SendMessage"],
        resources: [this.queue.queueArn],
        conditions: { StringNotEquals: { "aws:SourceAccount": Stack.of(this).account } },
      }),
    );
  }
}

function validate(props: DatasetTriggerProps): void {
  const problems: string[] = [];
  checkIntegerRange(problems, "maxReceiveCount", props.maxReceiveCount, 1, 1000);
  const visibility = props.visibilityTimeout?.toSeconds();
  checkIntegerRange(problems, "visibilityTimeout (seconds)", visibility, 0, 43_200);
  const dlqRetention = props.deadLetterRetention?.toSeconds();
  checkIntegerRange(problems, "deadLetterRetention (seconds)", dlqRetention, 60, 1_209_600);
  checkIntegerRange(problems, "retentionPeriod (seconds)", props.retentionPeriod?.toSeconds(), 60, 1_209_600);
  assertNoProblems("DatasetTrigger props", problems);
}
