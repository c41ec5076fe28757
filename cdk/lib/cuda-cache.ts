import { RemovalPolicy, Size } from "aws-cdk-lib";
import * as batch from "aws-cdk-lib/aws-batch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as efs from "aws-cdk-lib/aws-efs";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { ENV } from "./env-contract.js";
import { assertNoProblems } from "./invalid-props-error.js";

/** CUDA's own ceiling for `CUDA_CACHE_MAXSIZE` (4 GiB); larger values are ignored by the driver. */
export const CUDA_CACHE_MAX_BYTES = 4_294_967_296;

/** Where the cache file system is mounted in the training container. */
export const CUDA_CACHE_MOUNT_PATH = "/mnt/cuda-cache";

export interface CudaCacheProps {
  /** The VPC of the training instances; mount targets go into its subnets. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets for the mount targets (one per zone is used): those the training instances launch in.
   * @default private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Bring your own EFS file system instead (its mount targets must be reachable from the training subnets; the
   * NFS rule is added to its security group).
   * @default a new encrypted EFS file system (Elastic throughput, destroyed with the stack: it is only a cache)
   */
  readonly fileSystem?: efs.IFileSystem;
  /**
   * Directory of the file system that the access point exposes as the cache root.
   * @default "/cuda-cache"
   */
  readonly path?: string;
  /**
   * `CUDA_CACHE_MAXSIZE` of each cache folder (one per GPU model and driver version).
   * @default Size.bytes(CUDA_CACHE_MAX_BYTES), CUDA's maximum of 4 GiB
   */
  readonly maxSize?: Size;
}

/**
 * A persistent CUDA JIT cache for the training jobs: an EFS file system (or yours), an access point that pins the
 * cache to one directory and one POSIX user, and what a job needs to use it (a Batch volume, the environment,
 * the mount grant, the NFS rule).
 *
 * libtensorflow 2.9.1 (tfjs-node-gpu 4.22) carries no machine code for sm_86/sm_89/sm_90, so the driver compiles
 * its PTX at every container start; with the compiled kernels on EFS only the first job per GPU model and driver
 * version pays for that. The image's entrypoint points `CUDA_CACHE_PATH` at `<mount>/<gpu>-<driver>`, so GPU
 * families never evict each other's entries under the 4 GiB cap.
 *
 * @example
 * const cache = new CudaCache(this, "CudaCache", { vpc });
 * cache.allowFrom(computeEnvironment);
 * cache.grantMount(jobRole);
 * new batch.EcsEc2ContainerDefinition(this, "C", { ..., volumes: [cache.volume], environment: cache.environment });
 */
export class CudaCache extends Construct {
  public readonly fileSystem: efs.IFileSystem;
  public readonly accessPoint: efs.AccessPoint;
  /** The EFS volume for the job definition: TLS in transit, mounted through the access point as the job role. */
  public readonly volume: batch.EcsVolume;
  /** Environment for the training container: the cache root the entrypoint keys, and the size cap. */
  public readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: CudaCacheProps) {
    validate(props);
    super(scope, id);
    this.fileSystem = props.fileSystem ?? this.createFileSystem(props);
    this.accessPoint = new efs.AccessPoint(this, "AccessPoint", {
      fileSystem: this.fileSystem,
      path: props.path ?? "/cuda-cache",
      // Every job writes as one unprivileged user, whatever user the container runs as.
      posixUser: { uid: "1000", gid: "1000" },
      createAcl: { ownerUid: "1000", ownerGid: "1000", permissions: "755" },
    });
    this.volume = batch.EcsVolume.efs({
      name: "cuda-cache",
      containerPath: CUDA_CACHE_MOUNT_PATH,
      readonly: false,
      fileSystem: this.fileSystem,
      accessPointId: this.accessPoint.accessPointId,
      enableTransitEncryption: true,
      useJobRole: true,
    });
    this.environment = {
      [ENV.cudaCacheRoot]: CUDA_CACHE_MOUNT_PATH,
      CUDA_CACHE_MAXSIZE: String(props.maxSize?.toBytes() ?? CUDA_CACHE_MAX_BYTES),
    };
  }

  /**
   * Lets `grantee` (the job role) mount the file system through this access point and write to it; no root
   * access, no other access point, and only through a mount target.
   */
  public grantMount(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
      resourceArns: [this.fileSystem.fileSystemArn],
      conditions: {
        StringEquals: { "elasticfilesystem:AccessPointArn": this.accessPoint.accessPointArn },
        Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" },
      },
    });
  }

  /** Opens NFS (2049/tcp) on the file system's security group to `peer` (the compute environment). */
  public allowFrom(peer: ec2.IConnectable): void {
    this.fileSystem.connections.allowDefaultPortFrom(
      peer,
      "NFS from the training instances (CUDA JIT cache)",
    );
  }

  private createFileSystem(props: CudaCacheProps): efs.FileSystem {
    return new efs.FileSystem(this, "FileSystem", {
      vpc: props.vpc,
      vpcSubnets: {
        ...(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }),
        onePerAz: true,
      },
      encrypted: true,
      // A job start reads a few GB at once, then nothing: pay per use instead of burst credits a small file
      // system would hardly earn.
      throughputMode: efs.ThroughputMode.ELASTIC,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      // Folders of retired drivers go cold and cheap by themselves; a folder in use comes back on first read.
      lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
      outOfInfrequentAccessPolicy: efs.OutOfInfrequentAccessPolicy.AFTER_1_ACCESS,
      enableAutomaticBackups: false,
      removalPolicy: RemovalPolicy.DESTROY,
      // `allowAnonymousAccess: false` would make CDK add "any principal may write and act as root through a
      // mount target". The policy below is present, so EFS already refuses clients that do not authenticate
      // with IAM; only the job role's identity policy (grantMount) lets anyone mount, and only through the
      // access point.
      allowAnonymousAccess: true,
      fileSystemPolicy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: "DenyWithoutTls",
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ["elasticfilesystem:*"],
            conditions: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ],
      }),
    });
  }
}

function validate(props: CudaCacheProps): void {
  const problems: string[] = [];
  checkCudaCacheOptions(problems, props);
  assertNoProblems("CudaCache props", problems);
}

/**
 * Adds the problems of the cache options to `problems`, each name prefixed (`cudaCache.` from Training), so a
 * caller can report them together with its own.
 *
 * @example
 * checkCudaCacheOptions(problems, { path: "relative" }, "cudaCache."); // problems: ['cudaCache.path must be …']
 */
export function checkCudaCacheOptions(
  problems: string[],
  options: Pick<CudaCacheProps, "path" | "maxSize">,
  prefix = "",
): void {
  const path = options.path;
  if (path !== undefined && (!/^\/[A-Za-z0-9._/-]*$/.test(path) || path.split("/").includes(".."))) {
    problems.push(
      `${prefix}path must be an absolute directory without "..", e.g. /cuda-cache (got "${path}")`,
    );
  }
  const bytes = options.maxSize?.toBytes();
  if (bytes !== undefined && (!Number.isInteger(bytes) || bytes < Size.mebibytes(256).toBytes())) {
    problems.push(`${prefix}maxSize must be at least 256 MiB (got ${bytes} bytes)`);
  }
  if (bytes !== undefined && bytes > CUDA_CACHE_MAX_BYTES) {
    problems.push(`${prefix}maxSize must not exceed CUDA's maximum of 4 GiB (got ${bytes} bytes)`);
  }
}
