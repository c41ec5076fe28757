import { Duration, RemovalPolicy, Size, Stack } from "aws-cdk-lib";
import * as batch from "aws-cdk-lib/aws-batch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { grantTrainingAccess } from "./bucket-access.js";
import { CudaCache, type CudaCacheProps, checkCudaCacheOptions } from "./cuda-cache.js";
import { dockerAssetOptions, REPO_ROOT, TRAINER_CONTEXT_EXCLUDE } from "./docker-context.js";
import { ENV, WORKER_EXIT_CODES } from "./env-contract.js";
import { assertNoProblems, checkIntegerRange } from "./invalid-props-error.js";

/** GPU families Batch may pick sizes from when no `instanceTypes` are given. */
export const DEFAULT_TRAINING_INSTANCE_TYPES: readonly string[] = ["g5", "g6"];

/** The CUDA JIT cache options a caller of {@link Training} may set (the VPC and subnets are the training ones). */
export type TrainingCudaCacheOptions = Omit<CudaCacheProps, "vpc" | "vpcSubnets">;

export interface TrainingProps {
  /** The data bucket the job reads datasets from and writes jobs/models to. */
  readonly bucket: s3.IBucket;
  /** The VPC the instances launch in. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets of `vpc` for the instances; private ones, so instances get no public IP.
   * @default private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * GPU instance types (`g5.xlarge`) or families (`g6`, Batch picks the size).
   * @default DEFAULT_TRAINING_INSTANCE_TYPES (g5, g6)
   */
  readonly instanceTypes?: readonly string[];
  /**
   * Spot instances (cheaper; reclaimed jobs are retried and resume from their checkpoint) instead of On-Demand.
   * @default false
   */
  readonly spot?: boolean;
  /**
   * How Batch picks instances.
   * @default BEST_FIT_PROGRESSIVE on demand, SPOT_PRICE_CAPACITY_OPTIMIZED on Spot
   */
  readonly allocationStrategy?: batch.AllocationStrategy;
  /**
   * Ceiling of the compute environment, in vCPUs (caps concurrent jobs and cost).
   * @default 32
   */
  readonly maxVcpus?: number;
  /**
   * vCPUs per job (a g5.xlarge has 4; the ECS agent needs a little).
   * @default 3
   */
  readonly vcpus?: number;
  /**
   * Memory per job (a g5.xlarge has 16 GiB; the ECS agent needs a little).
   * @default Size.mebibytes(14336)
   */
  readonly memory?: Size;
  /**
   * GPUs per job.
   * @default 1
   */
  readonly gpus?: number;
  /**
   * Wall-clock limit of one attempt.
   * @default Duration.hours(6)
   */
  readonly timeout?: Duration;
  /**
   * Attempts per job, counting the first; only host terminations and exit code 75 are retried.
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * Most bytes one dataset archive may write to the job's disk (`RESIDUAL_MAX_EXTRACT_GIB`). Size it for the
   * instances' volume: the worker also measures the free space and never fills it, but an explicit cap refuses an
   * oversized upload before any download of its contents.
   * @default 20 GiB (and the measured free space)
   */
  readonly maxExtract?: Size;
  /**
   * The trainer image.
   * @default built from cdk/docker/trainer.Dockerfile at deploy time
   */
  readonly image?: ecs.ContainerImage;
  /**
   * Base of the image built from cdk/docker/trainer.Dockerfile (its `BASE_IMAGE` build arg), e.g.
   * `nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04` where that tag is still pullable, or your registry's copy of
   * it. Only for the built image: not together with `image`.
   * @default ubuntu:20.04 plus NVIDIA's pinned CUDA 11.2 / cuDNN 8.1 runtime apt packages (the Dockerfile's default)
   */
  readonly baseImage?: string;
  /**
   * The persistent CUDA JIT cache on EFS that spares every job but the first per GPU model and driver the PTX
   * compilation of libtensorflow's kernels; `false` turns it off, an object sets its file system, path or size.
   * @default {}: a new encrypted EFS file system mounted at /mnt/cuda-cache
   */
  readonly cudaCache?: false | TrainingCudaCacheOptions;
}

/**
 * AWS Batch GPU training: a managed EC2 compute environment (g5/g6, On-Demand or Spot), a job queue, and an ECS job
 * definition running `residual worker --job <id>` with 1 GPU, retrying host terminations but not application errors.
 * Every job mounts the persistent CUDA JIT cache ({@link CudaCache}) unless `cudaCache: false`.
 *
 * @example
 * const training = new Training(this, "Training", { bucket: data.bucket, vpc: net.vpc, spot: true });
 * training.jobDefinition.jobDefinitionArn;
 */
export class Training extends Construct {
  public readonly computeEnvironment: batch.ManagedEc2EcsComputeEnvironment;
  public readonly jobQueue: batch.JobQueue;
  public readonly jobDefinition: batch.EcsJobDefinition;
  /** The role the training container runs as (S3 access to the bucket layout). */
  public readonly jobRole: iam.Role;
  /** Where container logs go. */
  public readonly logGroup: logs.LogGroup;
  /** The CUDA JIT cache every job mounts; undefined with `cudaCache: false`. */
  public readonly cudaCache?: CudaCache;

  constructor(scope: Construct, id: string, props: TrainingProps) {
    // Validate before the node joins the tree: a rejected construct leaves nothing behind in its scope.
    validate(props);
    super(scope, id);
    const spot = props.spot ?? false;
    this.computeEnvironment = new batch.ManagedEc2EcsComputeEnvironment(this, "ComputeEnvironment", {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      spot,
      allocationStrategy: props.allocationStrategy,
      maxvCpus: props.maxVcpus ?? 32,
      minvCpus: 0,
      ...splitInstanceTypes(props.instanceTypes ?? DEFAULT_TRAINING_INSTANCE_TYPES),
      // The "optimal" classes are CPU-only (c4/m4/r4): a GPU job would never be placed on them.
      useOptimalInstanceClasses: false,
      images: [{ imageType: batch.EcsMachineImageType.ECS_AL2_NVIDIA }],
    });
    this.jobQueue = new batch.JobQueue(this, "JobQueue", {
      computeEnvironments: [{ computeEnvironment: this.computeEnvironment, order: 1 }],
    });
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.jobRole = new iam.Role(this, "JobRole", {
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
      description: "Residual training container: reads datasets, writes jobs and models",
    });
    grantTrainingAccess(this.jobRole, props.bucket);
    if (props.cudaCache !== false) {
      this.cudaCache = new CudaCache(this, "CudaCache", {
        ...props.cudaCache,
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets,
      });
      this.cudaCache.allowFrom(this.computeEnvironment);
      this.cudaCache.grantMount(this.jobRole);
    }
    this.jobDefinition = this.createJobDefinition(props);
  }

  private createJobDefinition(props: TrainingProps): batch.EcsJobDefinition {
    const image =
      props.image ??
      ecs.ContainerImage.fromAsset(REPO_ROOT, {
        ...dockerAssetOptions(TRAINER_CONTEXT_EXCLUDE),
        file: "cdk/docker/trainer.Dockerfile",
        buildArgs: props.baseImage ? { BASE_IMAGE: props.baseImage } : undefined,
      });
    const container = new batch.EcsEc2ContainerDefinition(this, "Container", {
      image,
      cpu: props.vcpus ?? 3,
      memory: props.memory ?? Size.mebibytes(14_336),
      gpu: props.gpus ?? 1,
      // ENTRYPOINT is `residual worker`; the dispatcher passes the id as the `jobId` parameter.
      command: ["--job", "Ref::jobId"],
      environment: {
        [ENV.bucket]: props.bucket.bucketName,
        [ENV.backend]: "tensorflow",
        ...(props.maxExtract ? { [ENV.maxExtractGib]: String(props.maxExtract.toMebibytes() / 1024) } : {}),
        AWS_REGION: Stack.of(this).region,
        ...this.cudaCache?.environment,
      },
      volumes: this.cudaCache ? [this.cudaCache.volume] : undefined,
      jobRole: this.jobRole,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "trainer", logGroup: this.logGroup }),
    });
    return new batch.EcsJobDefinition(this, "JobDefinition", {
      container,
      parameters: { jobId: "unset" },
      timeout: props.timeout ?? Duration.hours(6),
      retryAttempts: props.retryAttempts ?? 3,
      // Batch takes the first match; when nothing matches it retries, hence the catch-all EXIT at the end.
      retryStrategies: [
        batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
        batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.CANNOT_PULL_CONTAINER),
        batch.RetryStrategy.of(
          batch.Action.RETRY,
          batch.Reason.custom({ onExitCode: String(WORKER_EXIT_CODES.transient) }),
        ),
        batch.RetryStrategy.of(
          batch.Action.EXIT,
          batch.Reason.custom({ onExitCode: String(WORKER_EXIT_CODES.permanent) }),
        ),
        batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.NON_ZERO_EXIT_CODE),
      ],
    });
  }
}

/** `g5.xlarge` is an instance type; `g5` is a family (an instance class, Batch picks the size). */
function splitInstanceTypes(entries: readonly string[]): {
  instanceTypes: ec2.InstanceType[];
  instanceClasses: ec2.InstanceClass[];
} {
  return {
    instanceTypes: entries.filter((e) => e.includes(".")).map((e) => new ec2.InstanceType(e)),
    instanceClasses: entries.filter((e) => !e.includes(".")).map((e) => e as ec2.InstanceClass),
  };
}

const KNOWN_CLASSES = new Set<string>(Object.values(ec2.InstanceClass));

function validate(props: TrainingProps): void {
  const problems: string[] = [];
  const types = props.instanceTypes;
  if (types !== undefined && types.length === 0) problems.push("instanceTypes must not be empty");
  for (const type of types ?? []) {
    const family = type.split(".")[0] ?? "";
    if (!/^[gp][0-9][a-z0-9-]*(\.[0-9]*[a-z]+[0-9]*)?$/.test(type) || !KNOWN_CLASSES.has(family)) {
      problems.push(
        `instanceTypes entry "${type}" is not a GPU instance type or family (g*/p*, e.g. g5.xlarge)`,
      );
    }
  }
  checkIntegerRange(problems, "maxVcpus", props.maxVcpus, 1, 10_000);
  checkIntegerRange(problems, "vcpus", props.vcpus, 1, 192);
  checkIntegerRange(problems, "gpus", props.gpus, 1, 8);
  checkIntegerRange(problems, "retryAttempts", props.retryAttempts, 1, 10);
  checkIntegerRange(problems, "memory (MiB)", props.memory?.toMebibytes(), 1024, 2_000_000);
  if (props.maxExtract !== undefined && !(props.maxExtract.toMebibytes() >= 64))
    problems.push("maxExtract must be at least 64 MiB (a smaller cap refuses every real dataset)");
  checkIntegerRange(problems, "timeout (seconds)", props.timeout?.toSeconds(), 60, 14 * 24 * 3600);
  if ((props.vcpus ?? 3) > (props.maxVcpus ?? 32)) {
    problems.push(`vcpus (${props.vcpus ?? 3}) must not exceed maxVcpus (${props.maxVcpus ?? 32})`);
  }
  if (props.allocationStrategy !== undefined && !props.spot && props.allocationStrategy.startsWith("SPOT")) {
    problems.push(`allocationStrategy ${props.allocationStrategy} needs spot: true`);
  }
  if (props.cudaCache) checkCudaCacheOptions(problems, props.cudaCache, "cudaCache.");
  if (props.baseImage !== undefined && props.image !== undefined) {
    problems.push("baseImage only applies to the image built from trainer.Dockerfile; drop it or drop image");
  }
  if (props.baseImage !== undefined && !/^[a-z0-9][a-z0-9._/:@-]*$/.test(props.baseImage)) {
    problems.push(`baseImage must be an image reference like ubuntu:20.04 (got "${props.baseImage}")`);
  }
  assertNoProblems("Training props", problems);
}
