import { ROUTES } from "@residual/pipeline/routes";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer, HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { grantJobsApiAccess, grantServingRead } from "./bucket-access.js";
import { ENV } from "./env-contract.js";
import { assertNoProblems, checkIntegerRange } from "./invalid-props-error.js";
import { type HandlerName, ResidualFunction } from "./residual-function.js";

/** A JWT authorizer instead of IAM (SigV4): tokens from this issuer for this audience. */
export interface JwtAuthProps {
  /** Issuer URL, e.g. `https://cognito-idp.<region>.amazonaws.com/<pool-id>`. */
  readonly issuer: string;
  /** Accepted `aud` values (client ids). */
  readonly audience: readonly string[];
}

/** The handlers behind the API (the dispatcher is fed by SQS, not HTTP). */
export type ServingHandler = Extract<HandlerName, "embed" | "classify" | "jobs">;

/**
 * Every route of the API and the handler that serves it: the pipeline's one route table (`ROUTES`, shared with
 * the local server, the Lambda dispatch and the OpenAPI document), in API Gateway's terms.
 */
export const API_ROUTES: ReadonlyArray<{ method: apigw.HttpMethod; path: string; handler: ServingHandler }> =
  ROUTES.map((r) => ({ method: apigw.HttpMethod[r.method], path: r.path, handler: r.function }));

export interface ServingProps {
  /** The data bucket models are served from. */
  readonly bucket: s3.IBucket;
  /**
   * Authorize with a JWT authorizer; otherwise every route needs IAM (SigV4) auth.
   * @default IAM authorization
   */
  readonly jwt?: JwtAuthProps;
  /**
   * Memory of the embed and classify functions (CPU scales with it; ResNet-50 at batch 8 wants ~1.5 GB).
   * @default 3008
   */
  readonly inferenceMemorySize?: number;
  /**
   * Timeout of the embed and classify functions: a cold start downloads and loads a ~100 MB ONNX model, and
   * API Gateway gives up on an integration after 30 s anyway.
   * @default Duration.seconds(29)
   */
  readonly inferenceTimeout?: Duration;
  /**
   * Reserved concurrency of each inference function.
   * @default undefined (unreserved)
   */
  readonly reservedConcurrency?: number;
  /**
   * Model cache size per warm inference function, in MB.
   * @default 1024
   */
  readonly modelCacheMb?: number;
  /**
   * Models the inference functions load at start (`RESIDUAL_PRELOAD`): `name[@version]`, or `default` for the default
   * backbone (the one `cdk deploy` seeds); empty for none.
   * @default ["default"]
   */
  readonly preload?: readonly string[];
  /**
   * Steady-state requests per second for the whole stage.
   * @default 50
   */
  readonly throttleRateLimit?: number;
  /**
   * Burst of requests for the whole stage.
   * @default 100
   */
  readonly throttleBurstLimit?: number;
  /**
   * Image code per handler, e.g. an image already pushed to ECR by a CI pipeline.
   * @default the shared Lambda image
   */
  readonly code?: (handler: HandlerName) => lambda.DockerImageCode;
}

/**
 * The serving side: embed/classify/jobs Lambdas behind an HTTP API with authorization on every route, stage
 * throttling and JSON access logs.
 *
 * @example
 * const serving = new Serving(this, "Serving", { bucket, jwt: { issuer, audience: ["my-client"] } });
 * serving.stage.url;
 */
export class Serving extends Construct {
  public readonly api: apigw.HttpApi;
  public readonly stage: apigw.HttpStage;
  public readonly functions: Readonly<Record<ServingHandler, lambda.IFunction>>;
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServingProps) {
    // Validate before the node joins the tree: a rejected construct leaves nothing behind in its scope.
    validate(props);
    super(scope, id);
    this.functions = {
      embed: this.inferenceFunction("Embed", "embed", props),
      classify: this.inferenceFunction("Classify", "classify", props),
      jobs: this.servingFunction("Jobs", "jobs", props, { memorySize: 512, timeout: Duration.seconds(10) }),
    };
    this.api = new apigw.HttpApi(this, "Api", {
      description: "Residual embeddings and classification API",
      createDefaultStage: false,
      defaultAuthorizer: props.jwt
        ? new HttpJwtAuthorizer("Jwt", props.jwt.issuer, { jwtAudience: [...props.jwt.audience] })
        : new HttpIamAuthorizer(),
    });
    for (const route of API_ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [route.method],
        integration: new HttpLambdaIntegration(
          `${route.handler}-${route.path}`,
          this.functions[route.handler],
        ),
      });
    }
    this.accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, "Stage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.jsonWithStandardFields(),
      },
    });
  }

  private inferenceFunction(id: string, handler: HandlerName, props: ServingProps): lambda.IFunction {
    return this.servingFunction(id, handler, props, {
      memorySize: props.inferenceMemorySize ?? 3008,
      timeout: props.inferenceTimeout ?? Duration.seconds(29),
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        [ENV.modelCacheMb]: String(props.modelCacheMb ?? 1024),
        [ENV.ortThread]: "main",
        ...preloadEnvironment(props.preload ?? ["default"]),
      },
    });
  }

  private servingFunction(
    id: string,
    handler: HandlerName,
    props: ServingProps,
    options: Omit<ConstructorParameters<typeof ResidualFunction>[2], "handler">,
  ): lambda.IFunction {
    const fn = new ResidualFunction(this, id, {
      ...options,
      handler,
      code: props.code?.(handler),
      environment: { [ENV.bucket]: props.bucket.bucketName, ...options.environment },
    });
    grantServingRead(fn.role, props.bucket);
    if (handler === "jobs") grantJobsApiAccess(fn.role, props.bucket);
    return fn.function;
  }
}

function validate(props: ServingProps): void {
  const problems: string[] = [];
  checkIntegerRange(problems, "inferenceMemorySize", props.inferenceMemorySize, 128, 10_240);
  checkIntegerRange(problems, "inferenceTimeout (seconds)", props.inferenceTimeout?.toSeconds(), 1, 29);
  checkIntegerRange(problems, "reservedConcurrency", props.reservedConcurrency, 1, 10_000);
  checkIntegerRange(problems, "modelCacheMb", props.modelCacheMb, 16, 10_240);
  checkIntegerRange(problems, "throttleRateLimit", props.throttleRateLimit, 1, 100_000);
  checkIntegerRange(problems, "throttleBurstLimit", props.throttleBurstLimit, 1, 100_000);
  if (props.jwt) {
    if (!/^https:\/\/[^\s/]+/.test(props.jwt.issuer)) {
      problems.push(`jwt.issuer must be an https URL (got ${JSON.stringify(props.jwt.issuer)})`);
    }
    if (props.jwt.audience.length === 0) problems.push("jwt.audience must name at least one audience");
  }
  assertNoProblems("Serving props", problems);
}

/** `RESIDUAL_PRELOAD` for a preload list; nothing for an empty one. */
function preloadEnvironment(preload: readonly string[]): Record<string, string> {
  return preload.length > 0 ? { [ENV.preload]: preload.join(",") } : {};
}
