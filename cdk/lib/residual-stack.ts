import { DEFAULT_BACKBONE } from "@residual/pipeline/config";
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import { BackboneSeed } from "./backbone-seed.js";
import { Bulk, type BulkProps } from "./bulk.js";
import { DatasetTrigger, type DatasetTriggerProps } from "./dataset-trigger.js";
import { Dispatcher } from "./dispatcher.js";
import { acknowledgeAcceptedFindings } from "./nag-suppressions.js";
import { Network } from "./network.js";
import { Operations } from "./operations.js";
import { ResidualBucket, type ResidualBucketProps } from "./residual-bucket.js";
import type { HandlerName } from "./residual-function.js";
import { Serving, type ServingProps } from "./serving.js";
import { Training, type TrainingProps } from "./training.js";

export interface ResidualStackProps extends StackProps {
  /**
   * Data bucket options.
   * @default ResidualBucket defaults (SSE-S3, retained on destroy)
   */
  readonly bucket?: ResidualBucketProps;
  /**
   * Queue options.
   * @default DatasetTrigger defaults
   */
  readonly trigger?: Omit<DatasetTriggerProps, "bucket">;
  /**
   * An existing VPC for training (private subnets with egress).
   * @default a new VPC with one NAT gateway
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Look up an existing VPC by id instead (needs a concrete `env`); ignored when `vpc` is given.
   * @default a new VPC
   */
  readonly vpcId?: string;
  /**
   * Batch options.
   * @default Training defaults (g5/g6 On-Demand, 32 vCPUs)
   */
  readonly training?: Omit<TrainingProps, "bucket" | "vpc" | "vpcSubnets">;
  /**
   * API and inference options.
   * @default Serving defaults (IAM auth)
   */
  readonly serving?: Omit<ServingProps, "bucket" | "code">;
  /**
   * Bulk embedding options (Distributed Map concurrency, images per batch, tolerated failures, input prefixes).
   * @default Bulk defaults
   */
  readonly bulk?: Omit<BulkProps, "bucket" | "code">;
  /**
   * Pretrained backbones (`arch.tag`) the deploy seeds into `backbones/` (a custom resource that runs
   * `residual weights fetch`'s seeding; one already there is skipped); empty for no seeding resource at all.
   * @default [DEFAULT_BACKBONE] (resnet50.tv2_in1k: what the embedding API serves and preloads by default)
   */
  readonly seedBackbones?: readonly string[];
  /**
   * E-mail for the alarm topic.
   * @default no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Lambda image code per handler, e.g. an image already pushed to ECR by a CI pipeline.
   * @default the shared image from cdk/docker/lambda.Dockerfile
   */
  readonly lambdaCode?: (handler: HandlerName) => lambda.DockerImageCode;
}

/**
 * The whole Residual deployment: data bucket, dataset trigger, GPU training on Batch with its dispatcher, the
 * serving API, and alarms. Outputs name what the README's user actions need.
 *
 * @example
 * const app = new App();
 * new ResidualStack(app, "Residual", { training: { spot: true }, alarmEmail: "ops@example.com" });
 */
export class ResidualStack extends Stack {
  public readonly data: ResidualBucket;
  public readonly trigger: DatasetTrigger;
  public readonly network: Network;
  public readonly training: Training;
  public readonly dispatcher: Dispatcher;
  public readonly serving: Serving;
  public readonly bulk: Bulk;
  /** The deploy-time backbone seeding; undefined when `seedBackbones` is empty. */
  public readonly backbones?: BackboneSeed;
  public readonly operations: Operations;

  constructor(scope: Construct, id: string, props: ResidualStackProps = {}) {
    super(scope, id, props);
    this.data = new ResidualBucket(this, "Data", props.bucket);
    const bucket = this.data.bucket;
    this.trigger = new DatasetTrigger(this, "Trigger", { ...props.trigger, bucket });
    this.network = new Network(this, "Network", {
      vpc:
        props.vpc ??
        (props.vpcId ? ec2.Vpc.fromLookup(this, "ExistingVpc", { vpcId: props.vpcId }) : undefined),
    });
    this.training = new Training(this, "Training", {
      ...props.training,
      bucket,
      vpc: this.network.vpc,
      vpcSubnets: this.network.subnets,
    });
    this.dispatcher = new Dispatcher(this, "Dispatcher", {
      queue: this.trigger.queue,
      bucket,
      jobQueue: this.training.jobQueue,
      jobDefinition: this.training.jobDefinition,
      code: props.lambdaCode?.("dispatch"),
    });
    this.serving = new Serving(this, "Serving", { ...props.serving, bucket, code: props.lambdaCode });
    this.bulk = new Bulk(this, "Bulk", { ...props.bulk, bucket, code: props.lambdaCode });
    const seedTags = props.seedBackbones ?? [DEFAULT_BACKBONE];
    if (seedTags.length > 0) {
      this.backbones = new BackboneSeed(this, "Backbones", {
        bucket,
        tags: seedTags,
        code: props.lambdaCode?.("seed-backbones"),
      });
    }
    this.operations = new Operations(this, "Operations", {
      deadLetterQueue: this.trigger.deadLetterQueue,
      jobQueue: this.training.jobQueue,
      api: this.serving.api,
      functions: {
        ...this.serving.functions,
        dispatch: this.dispatcher.function,
        bulk: this.bulk.batchFunction,
        bulkManifest: this.bulk.manifestFunction,
      },
      stateMachines: { bulk: this.bulk.stateMachine },
      alarmEmail: props.alarmEmail,
    });
    this.addOutputs();
    acknowledgeAcceptedFindings(this);
  }

  private addOutputs(): void {
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out("BucketName", this.data.bucket.bucketName, "Upload datasets to s3://<this>/datasets/");
    out("ApiUrl", this.serving.stage.url, "Base URL of the embeddings API (IAM or JWT auth)");
    out("QueueUrl", this.trigger.queue.queueUrl, "Dataset-upload events");
    out("DeadLetterQueueUrl", this.trigger.deadLetterQueue.queueUrl, "Events that failed to dispatch");
    out("JobQueueArn", this.training.jobQueue.jobQueueArn, "Batch job queue of training jobs");
    out("TrainingLogGroupName", this.training.logGroup.logGroupName, "Logs of the training containers");
    out(
      "BulkStateMachineArn",
      this.bulk.stateMachine.stateMachineArn,
      "residual bulk --state-machine <this>",
    );
    out("AlarmTopicArn", this.operations.topic.topicArn, "SNS topic of the alarms");
    if (this.backbones) {
      out(
        "SeededBackbones",
        this.backbones.tags.join(","),
        "Pretrained backbones in s3://<BucketName>/backbones/",
      );
    }
  }
}
