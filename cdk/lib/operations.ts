import { Duration } from "aws-cdk-lib";
import type * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import type * as batch from "aws-cdk-lib/aws-batch";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { assertNoProblems, checkIntegerRange } from "./invalid-props-error.js";

export interface OperationsProps {
  /** Dead-letter queue of the dataset trigger; any message there is a job that never started. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Batch job queue whose FAILED jobs raise the alarm. */
  readonly jobQueue: batch.IJobQueue;
  /** The HTTP API whose 5xx responses raise the alarm. */
  readonly api: apigw.IHttpApi;
  /** Functions whose errors raise the alarm, by a short name used in alarm ids. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * State machines whose failed executions raise the alarm (a bulk run fails when its Distributed Map exceeds the
   * tolerated failure percentage), by a short name used in alarm ids.
   * @default none
   */
  readonly stateMachines?: Readonly<Record<string, sfn.IStateMachine>>;
  /**
   * Subscribe this address to the alarm topic (it must confirm the subscription e-mail).
   * @default no subscription
   */
  readonly alarmEmail?: string;
  /**
   * API 5xx responses in 5 minutes that raise the alarm.
   * @default 5
   */
  readonly api5xxThreshold?: number;
}

/**
 * Alarms to an encrypted SNS topic: messages in the DLQ, FAILED Batch jobs (an EventBridge rule sends each one to
 * the topic and the rule's match count feeds an alarm), API 5xx responses, and errors of each Lambda.
 *
 * @example
 * new Operations(this, "Ops", { deadLetterQueue, jobQueue, api, functions: { embed }, alarmEmail: "ops@example.com" });
 */
export class Operations extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[];
  /** EventBridge rule matching FAILED jobs of the job queue. */
  public readonly failedJobsRule: events.Rule;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    // Validate before the node joins the tree: a rejected construct leaves nothing behind in its scope.
    validate(props);
    super(scope, id);
    this.alarms = [];
    // A customer-managed key: CloudWatch and EventBridge cannot publish to a topic under the AWS-managed SNS key.
    const key = new kms.Key(this, "TopicKey", {
      enableKeyRotation: true,
      description: "Residual alarm topic",
    });
    for (const service of ["cloudwatch.amazonaws.com", "events.amazonaws.com"]) {
      key.grant(new iam.ServicePrincipal(service), "kms:Decrypt", "kms:GenerateDataKey*");
    }
    this.topic = new sns.Topic(this, "Topic", {
      masterKey: key,
      enforceSSL: true,
      displayName: "Residual alarms",
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.failedJobsRule = new events.Rule(this, "FailedJobsRule", {
      description: "Residual training jobs that ended FAILED",
      eventPattern: {
        source: ["aws.batch"],
        detailType: ["Batch Job State Change"],
        detail: { status: ["FAILED"], jobQueue: [props.jobQueue.jobQueueArn] },
      },
      targets: [new targets.SnsTopic(this.topic)],
    });
    this.addAlarms(props);
  }

  private addAlarms(props: OperationsProps): void {
    const fiveMinutes = Duration.minutes(5);
    this.alarm(
      "DeadLettersAlarm",
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
      1,
      "Dataset events in the DLQ",
    );
    const failedJobs = new cloudwatch.Metric({
      namespace: "AWS/Events",
      metricName: "MatchedEvents",
      dimensionsMap: { RuleName: this.failedJobsRule.ruleName },
      statistic: "Sum",
      period: fiveMinutes,
    });
    this.alarm("FailedJobsAlarm", failedJobs, 1, "Training jobs ended FAILED");
    this.alarm(
      "Api5xxAlarm",
      props.api.metricServerError({ period: fiveMinutes, statistic: "Sum" }),
      props.api5xxThreshold ?? 5,
      "API 5xx responses",
    );
    for (const [name, machine] of Object.entries(props.stateMachines ?? {})) {
      this.alarm(
        `${name}FailedExecutionsAlarm`,
        machine.metricFailed({ period: fiveMinutes, statistic: "Sum" }),
        1,
        `Failed executions of the ${name} state machine (map runs over their tolerated failures)`,
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(
        `${name}ErrorsAlarm`,
        fn.metricErrors({ period: fiveMinutes, statistic: "Sum" }),
        1,
        `Errors of the ${name} Lambda`,
      );
    }
  }

  private alarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

function validate(props: OperationsProps): void {
  const problems: string[] = [];
  if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
    problems.push(`alarmEmail is not an e-mail address (got ${JSON.stringify(props.alarmEmail)})`);
  }
  checkIntegerRange(problems, "api5xxThreshold", props.api5xxThreshold, 1, 1_000_000);
  assertNoProblems("Operations props", problems);
}
