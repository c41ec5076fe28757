import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { assertNoProblems, checkIntegerRange } from "./invalid-props-error.js";

/** The prefixes of the bucket layout (see DESIGN.md); IAM grants are written against these. */
export const BUCKET_PREFIXES = {
  datasets: "datasets/",
  jobs: "jobs/",
  models: "models/",
  backbones: "backbones/",
  /** Compiled dataset caches (decoded, resized uint8 shards), shared by the jobs that train on the same data. */
  cache: "cache/",
  /** Bulk runs' output (`bulk/<run>/part-*.jsonl`, `_SUCCESS`) and the Distributed Map's result files. */
  bulk: "bulk/",
} as const;

/** How the data bucket is encrypted at rest. */
export type BucketEncryptionMode = "s3-managed" | "kms";

export interface ResidualBucketProps {
  /**
   * `s3-managed` (SSE-S3) or `kms` (a customer-managed key with rotation, created here).
   * @default "s3-managed"
   */
  readonly encryption?: BucketEncryptionMode;
  /**
   * Days after which objects under `jobs/<id>/checkpoints/` expire; checkpoints only matter while a job can resume.
   * @default 14
   */
  readonly checkpointExpirationDays?: number;
  /**
   * Days after which incomplete multipart uploads are aborted (large dataset uploads that died half-way).
   * @default 7
   */
  readonly abortIncompleteUploadDays?: number;
  /**
   * Days after which noncurrent object versions expire (versioning is on, so overwritten `latest` pointers pile up).
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * What `cdk destroy` does with the buckets. Datasets and models are user data, so they are kept by default.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The data bucket (`datasets/`, `jobs/`, `models/`, `backbones/`) plus its server-access-log bucket: no public
 * access, encrypted, TLS only, versioned, with lifecycle rules for checkpoints and dead multipart uploads.
 *
 * @example
 * const data = new ResidualBucket(this, "Data", { encryption: "kms", checkpointExpirationDays: 7 });
 * data.bucket.grantRead(role, "models/*");
 */
export class ResidualBucket extends Construct {
  /** The data bucket. */
  public readonly bucket: s3.Bucket;
  /** The bucket that receives the data bucket's server access logs. */
  public readonly accessLogsBucket: s3.Bucket;
  /** The customer-managed key when `encryption` is `kms`. */
  public readonly encryptionKey: kms.Key | undefined;

  constructor(scope: Construct, id: string, props: ResidualBucketProps = {}) {
    // Validate before the node joins the tree: a rejected construct leaves nothing behind in its scope.
    validate(props);
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.accessLogsBucket = new s3.Bucket(this, "AccessLogs", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Server access logging only delivers to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(365) }],
      removalPolicy,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This is the access-log destination; logging it into itself would loop.",
    });
    this.encryptionKey =
      props.encryption === "kms"
        ? new kms.Key(this, "Key", {
            enableKeyRotation: true,
            description: "Residual data bucket",
            removalPolicy,
          })
        : undefined;
    this.bucket = new s3.Bucket(this, "Bucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: this.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: this.encryptionKey !== undefined,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: "data-bucket/",
      lifecycleRules: lifecycleRules(props),
      removalPolicy,
    });
  }
}

function validate(props: ResidualBucketProps): void {
  const problems: string[] = [];
  if (props.encryption !== undefined && props.encryption !== "s3-managed" && props.encryption !== "kms") {
    problems.push(`encryption must be "s3-managed" or "kms" (got ${JSON.stringify(props.encryption)})`);
  }
  checkIntegerRange(problems, "checkpointExpirationDays", props.checkpointExpirationDays, 1, 3650);
  checkIntegerRange(problems, "abortIncompleteUploadDays", props.abortIncompleteUploadDays, 1, 365);
  checkIntegerRange(
    problems,
    "noncurrentVersionExpirationDays",
    props.noncurrentVersionExpirationDays,
    1,
    3650,
  );
  assertNoProblems("ResidualBucket props", problems);
}

function lifecycleRules(props: ResidualBucketProps): s3.LifecycleRule[] {
  return [
    {
      id: "abort-incomplete-multipart-uploads",
      abortIncompleteMultipartUploadAfter: Duration.days(props.abortIncompleteUploadDays ?? 7),
    },
    {
      id: "expire-noncurrent-versions",
      noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays ?? 90),
    },
    {
      // Prefix filters cannot hold wildcards (`jobs/*/checkpoints/`), so the rule matches on a tag the worker sets on
      // every checkpoint object; the prefix narrows it to `jobs/`.
      id: "expire-job-checkpoints",
      prefix: BUCKET_PREFIXES.jobs,
      tagFilters: { "residual:kind": "checkpoint" },
      expiration: Duration.days(props.checkpointExpirationDays ?? 14),
      noncurrentVersionExpiration: Duration.days(1),
    },
  ];
}
