import { Duration, RemovalPolicy, type Size } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { dockerAssetOptions, REPO_ROOT } from "./docker-context.js";
import { ENV } from "./env-contract.js";

/** The handlers in `functions/src/`; each is the image's CMD (`<name>.handler`) in cdk/docker/lambda.Dockerfile. */
export type HandlerName =
  | "embed"
  | "classify"
  | "jobs"
  | "dispatch"
  | "bulk"
  | "bulk-manifest"
  | "seed-backbones";

export interface ResidualFunctionProps {
  /** Which handler of the shared image this function runs. */
  readonly handler: HandlerName;
  /** Function-specific environment, merged over the common variables. */
  readonly environment?: Record<string, string>;
  /**
   * Memory; CPU share scales with it, and ResNet-50 inference wants the CPU.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * `/tmp` size, for functions that write files (the backbone seeding converts weights there).
   * @default Lambda's 512 MiB
   */
  readonly ephemeralStorageSize?: Size;
  /**
   * Reserved concurrency (caps cost and protects the account's pool); undefined leaves it unreserved.
   * @default undefined
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * The image code.
   * @default the shared image built from cdk/docker/lambda.Dockerfile with CMD `<handler>.handler`
   */
  readonly code?: lambda.DockerImageCode;
}

/**
 * One Lambda of the shared container image (`public.ecr.aws/lambda/nodejs:22`), with its own role that only may
 * write its own log group: no AWS managed policy, grants are added by the caller.
 *
 * @example
 * const embed = new ResidualFunction(this, "Embed", { handler: "embed", memorySize: 3008 });
 * grantServingRead(embed.role, bucket);
 */
export class ResidualFunction extends Construct {
  public readonly function: lambda.DockerImageFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ResidualFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Residual ${props.handler} Lambda`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new lambda.DockerImageFunction(this, "Function", {
      code: props.code ?? lambdaImageCode(props.handler),
      architecture: lambda.Architecture.X86_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(30),
      ephemeralStorageSize: props.ephemeralStorageSize,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        [ENV.serviceName]: `residual-${props.handler}`,
        [ENV.logLevel]: "INFO",
        ...props.environment,
      },
    });
  }
}

/**
 * The shared Lambda image with `<handler>.handler` as CMD. Every function uses the same asset, so it is built and
 * pushed once.
 *
 * @example
 * new lambda.DockerImageFunction(this, "Fn", { code: lambdaImageCode("jobs") });
 */
export function lambdaImageCode(handler: HandlerName): lambda.DockerImageCode {
  return lambda.DockerImageCode.fromImageAsset(REPO_ROOT, {
    ...dockerAssetOptions(),
    file: "cdk/docker/lambda.Dockerfile",
    cmd: [`${handler}.handler`],
  });
}
