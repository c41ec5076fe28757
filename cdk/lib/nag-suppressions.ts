import { type Stack, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";

/**
 * A finding of cdk-nag's AWS Solutions pack that is accepted on purpose. cdk-nag 3 acknowledges findings by exact
 * id (`AwsSolutions-IAM5[Resource::<DataBucketE3889A50.Arn>/models/*]`), and those ids embed logical ids; the
 * table matches them by pattern instead, narrowed to construct paths, so renaming a construct does not silently
 * widen or break a suppression.
 */
export interface NagAcceptance {
  /** Matches the finding id, e.g. `AwsSolutions-IAM4[Policy::...]`. */
  readonly finding: RegExp;
  /** Matches the path of the construct the finding is on. */
  readonly path: RegExp;
  /** Why this is acceptable (written into the construct metadata and the audit trail). */
  readonly reason: string;
}

const PREFIX_OBJECTS =
  "(datasets|jobs|models|backbones|cache)\\/\\*(\\/(status\\.json|report\\.json|log\\.txt))?";

/** Every accepted finding of the stack, with its reason. */
export const NAG_ACCEPTANCES: readonly NagAcceptance[] = [
  {
    // Bulk input prefixes are a deploy option (`inputPrefixes`), so any one-prefix wildcard is accepted there.
    finding: /^AwsSolutions-IAM5\[Resource::<DataBucket[0-9A-F]{8}\.Arn>\/[^*\]]+\/\*\]$/,
    path: /\/Bulk\/(Batch|Manifest|StateMachine)\/Role\/DefaultPolicy\/Resource$/,
    reason:
      "Bulk object wildcards stay inside one prefix: models, backbones, the configured input prefixes and bulk/ output keys exist only at run time.",
  },
  {
    finding:
      /^AwsSolutions-IAM5\[Resource::<BulkBatchFunction[0-9A-F]{8}\.Arn>:\*\]$|^AwsSolutions-IAM5\[Resource::<BulkManifestFunction[0-9A-F]{8}\.Arn>:\*\]$/,
    path: /\/Bulk\/StateMachine\/Role\/DefaultPolicy\/Resource$/,
    reason:
      "CDK's LambdaInvoke grants lambda:InvokeFunction on the function and its versions (`<arn>:*`), nothing else.",
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /\/Bulk\/StateMachine\/Role\/DefaultPolicy\/Resource$/,
    reason:
      "X-Ray tracing (xray:PutTraceSegments and friends) and log delivery have no resource-level permissions in IAM.",
  },
  {
    finding:
      /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.*BulkStateMachine[0-9A-F]{8}.*\]$/,
    path: /\/Bulk\/StateMachine\/DistributedMapPolicy\/Resource$/,
    reason:
      "A Distributed Map starts and stops its own child executions, whose names exist only at run time.",
  },
  {
    finding: new RegExp(
      `^AwsSolutions-IAM5\\[Resource::<DataBucket[0-9A-F]{8}\\.Arn>\\/${PREFIX_OBJECTS}\\]$`,
    ),
    path: /\/(Serving|Dispatcher|Training|Backbones)\/.*(Role|JobRole)\/DefaultPolicy\/Resource$/,
    reason:
      "Object wildcards stay inside one prefix of the bucket layout: dataset, job, model, backbone and dataset-cache keys exist only at run time.",
  },
  {
    finding:
      /^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole\]$/,
    path: /\/BucketNotificationsHandler[0-9a-f]+\/Role\/Resource$/,
    reason:
      "CDK's own S3-notification custom resource logs through this policy; it runs only during deployment.",
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /\/BucketNotificationsHandler[0-9a-f]+\/Role\/DefaultPolicy\/Resource$/,
    reason:
      "s3:PutBucketNotification in CDK's custom resource is not resource-scoped by CDK; deploy-time only.",
  },
  {
    finding:
      /^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AmazonEC2ContainerServiceforEC2Role\]$/,
    path: /\/Training\/ComputeEnvironment\/InstanceProfileRole\/Resource$/,
    reason: "The ECS agent on Batch instances needs exactly this AWS-maintained policy to join the cluster.",
  },
  {
    finding:
      /^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AmazonEC2SpotFleetTaggingRole\]$/,
    path: /\/Training\/ComputeEnvironment\/SpotFleetRole\/Resource$/,
    reason: "Batch's Spot Fleet role must carry the AWS-maintained tagging policy to launch Spot instances.",
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /\/Training\/Container\/ExecutionRole\/DefaultPolicy\/Resource$/,
    reason: "ecr:GetAuthorizationToken (pulling the trainer image) has no resource-level permissions in IAM.",
  },
];

/**
 * Acknowledges, on the construct each is found on, the findings that {@link NAG_ACCEPTANCES} accepts. Anything
 * not in the table stays a violation and fails `cdk synth`. Call it last, once every resource exists.
 *
 * @example
 * acknowledgeAcceptedFindings(stack);
 */
export function acknowledgeAcceptedFindings(stack: Stack, acceptances = NAG_ACCEPTANCES): void {
  const report = new AwsSolutionsChecks().validateScope(stack);
  const byPath = new Map<string, IConstruct>(stack.node.findAll().map((c) => [c.node.path, c]));
  for (const violation of report.violations) {
    for (const resource of violation.violatingResources) {
      const path = resource.constructPath ?? "";
      const accepted = acceptances.find((a) => a.finding.test(violation.ruleName) && a.path.test(path));
      const construct = byPath.get(path);
      if (accepted && construct) {
        Validations.of(construct).acknowledge({ id: violation.ruleName, reason: accepted.reason });
      }
    }
  }
}
