import { Duration } from "aws-cdk-lib";
import type * as batch from "aws-cdk-lib/aws-batch";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { grantDispatcherStatusWrite } from "./bucket-access.js";
import { ENV } from "./env-contract.js";
import { assertNoProblems, checkIntegerRange } from "./invalid-props-error.js";
import { ResidualFunction } from "./residual-function.js";

export interface DispatcherProps {
  /** Dataset-upload events. */
  readonly queue: sqs.IQueue;
  /** The data bucket (job status is written under `jobs/<id>/`). */
  readonly bucket: s3.IBucket;
  readonly jobQueue: batch.IJobQueue;
  readonly jobDefinition: batch.IJobDefinition;
  /**
   * Messages per invocation; failures are reported per message (`reportBatchItemFailures`).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long to gather messages before invoking (uploads of several archives arrive together).
   * @default Duration.seconds(5)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Invocation timeout; keep the queue's visibility timeout at least this long.
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /**
   * The image code.
   * @default the shared Lambda image, CMD `dispatch.handler`
   */
  readonly code?: lambda.DockerImageCode;
}

/**
 * The dispatcher: SQS dataset events → `batch:SubmitJob`, one job per event, with partial batch responses so one
 * bad message does not redeliver its neighbours. It may submit only to this queue with this job definition.
 *
 * @example
 * new Dispatcher(this, "Dispatcher", { queue, bucket, jobQueue: training.jobQueue, jobDefinition: training.jobDefinition });
 */
export class Dispatcher extends Construct {
  public readonly function: lambda.IFunction;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: DispatcherProps) {
    validate(props);
    super(scope, id);
    const fn = new ResidualFunction(this, "Handler", {
      handler: "dispatch",
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(60),
      code: props.code,
      environment: {
        [ENV.bucket]: props.bucket.bucketName,
        [ENV.jobQueue]: props.jobQueue.jobQueueArn,
        [ENV.jobDefinition]: props.jobDefinition.jobDefinitionArn,
      },
    });
    this.function = fn.function;
    this.role = fn.role;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "SubmitTrainingJobs",
        actions: ["batch:SubmitJob"],
        resources: [props.jobQueue.jobQueueArn, props.jobDefinition.jobDefinitionArn],
      }),
    );
    grantDispatcherStatusWrite(this.role, props.bucket);
    fn.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: props.batchSize ?? 10,
        maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(5),
        reportBatchItemFailures: true,
      }),
    );
  }
}

function validate(props: DispatcherProps): void {
  const problems: string[] = [];
  checkIntegerRange(problems, "batchSize", props.batchSize, 1, 10_000);
  checkIntegerRange(problems, "maxBatchingWindow (seconds)", props.maxBatchingWindow?.toSeconds(), 0, 300);
  checkIntegerRange(problems, "timeout (seconds)", props.timeout?.toSeconds(), 1, 900);
  if ((props.batchSize ?? 10) > 10 && props.maxBatchingWindow?.toSeconds() === 0) {
    problems.push("batchSize above 10 needs a maxBatchingWindow above 0 seconds");
  }
  assertNoProblems("Dispatcher props", problems);
}
