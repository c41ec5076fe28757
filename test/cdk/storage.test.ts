import { Duration } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { DATASET_TRIGGER_SUFFIXES, DatasetTrigger } from "../../cdk/lib/dataset-trigger.js";
import { InvalidPropsError } from "../../cdk/lib/invalid-props-error.js";
import { ResidualBucket } from "../../cdk/lib/residual-bucket.js";
import { emptyStack, templateOf } from "./support.js";

describe("ResidualBucket", () => {
  it("blocks public access, encrypts with SSE-S3, versions, and logs access to a second bucket", () => {
    const template = templateOf((stack) => new ResidualBucket(stack, "Data"));

    template.resourceCountIs("AWS::S3::Bucket", 2);
    template.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      VersioningConfiguration: { Status: "Enabled" },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp("^DataAccessLogs") } },
    });
    template.hasResource("AWS::S3::Bucket", { DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
  });

  it("denies non-TLS requests on both buckets", () => {
    const template = templateOf((stack) => new ResidualBucket(stack, "Data"));
    const policies = template.findResources("AWS::S3::BucketPolicy", {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      },
    });
    expect(Object.keys(policies)).toHaveLength(2);
  });

  it("expires tagged checkpoints under jobs/ and aborts incomplete multipart uploads", () => {
    const template = templateOf(
      (stack) => new ResidualBucket(stack, "Data", { checkpointExpirationDays: 3 }),
    );
    template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: "Enabled" }),
          Match.objectLike({
            Prefix: "jobs/",
            TagFilters: [{ Key: "residual:kind", Value: "checkpoint" }],
            ExpirationInDays: 3,
          }),
        ]),
      },
    });
  });

  it("uses a rotating customer-managed KMS key when asked", () => {
    const template = templateOf((stack) => new ResidualBucket(stack, "Data", { encryption: "kms" }));
    template.resourceCountIs("AWS::KMS::Key", 1);
    template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: "aws:kms" }) }),
        ],
      },
    });
  });

  it("reports every invalid prop in one message", () => {
    const stack = emptyStack();
    const build = () =>
      new ResidualBucket(stack, "Data", {
        encryption: "aes" as "kms",
        checkpointExpirationDays: 0,
        abortIncompleteUploadDays: 1.5,
      });
    expect(build).toThrow(InvalidPropsError);
    expect(build).toThrow(
      'Invalid ResidualBucket props: encryption must be "s3-managed" or "kms" (got "aes"); ' +
        "checkpointExpirationDays must be an integer from 1 to 3650 (got 0); " +
        "abortIncompleteUploadDays must be an integer from 1 to 365 (got 1.5)",
    );
  });
});

describe("DatasetTrigger", () => {
  function triggerTemplate() {
    return templateOf((stack) => {
      const data = new ResidualBucket(stack, "Data");
      new DatasetTrigger(stack, "Trigger", { bucket: data.bucket, maxReceiveCount: 3 });
    });
  }

  it("sends ObjectCreated under datasets/ to the queue, one notification per suffix", () => {
    const template = triggerTemplate();
    const notifications = template.findResources("Custom::S3BucketNotifications");
    const config = Object.values(notifications)[0]?.Properties.NotificationConfiguration;
    const filters = config.QueueConfigurations.map(
      (q: { Events: string[]; Filter: { Key: { FilterRules: { Name: string; Value: string }[] } } }) => ({
        events: q.Events,
        rules: Object.fromEntries(q.Filter.Key.FilterRules.map((r) => [r.Name, r.Value])),
      }),
    );
    expect(filters).toEqual(
      DATASET_TRIGGER_SUFFIXES.map((suffix) => ({
        events: ["s3:ObjectCreated:*"],
        rules: { prefix: "datasets/", suffix },
      })),
    );
    expect(DATASET_TRIGGER_SUFFIXES).toEqual([".zip", ".tar", ".tar.gz", ".tgz", "residual.json"]);
  });

  it("redrives to an encrypted DLQ after maxReceiveCount and encrypts both queues", () => {
    const template = triggerTemplate();
    template.resourceCountIs("AWS::SQS::Queue", 2);
    template.hasResourceProperties("AWS::SQS::Queue", {
      RedrivePolicy: {
        deadLetterTargetArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^TriggerDeadLetterQueue"), "Arn"] },
        maxReceiveCount: 3,
      },
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
  });

  it("lets only this bucket in this account send to the queue, over TLS", () => {
    const template = triggerTemplate();
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        // Order as CDK renders it: TLS-only deny, then the S3 allow, then our account guard.
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Condition: {
              ArnLike: { "aws:SourceArn": { "Fn::GetAtt": [Match.stringLikeRegexp("^DataBucket"), "Arn"] } },
            },
          }),
          Match.objectLike({
            Effect: "Deny",
            Principal: { Service: "s3.amazonaws.com" },
            Condition: { StringNotEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
          }),
        ]),
      },
    });
  });

  it("reports every invalid prop in one message", () => {
    const stack = emptyStack();
    const data = new ResidualBucket(stack, "Data");
    expect(
      () =>
        new DatasetTrigger(stack, "Trigger", {
          bucket: data.bucket,
          maxReceiveCount: 0,
          deadLetterRetention: Duration.days(30),
        }),
    ).toThrow(
      "Invalid DatasetTrigger props: maxReceiveCount must be an integer from 1 to 1000 (got 0); " +
        "deadLetterRetention (seconds) must be an integer from 60 to 1209600 (got 2592000)",
    );
  });
});
