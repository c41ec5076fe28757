import { Duration } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ResidualBucket } from "../../cdk/lib/residual-bucket.js";
import { API_ROUTES, Serving, type ServingProps } from "../../cdk/lib/serving.js";
import { describeStatements, emptyStack, statementsOfRole } from "./support.js";

function servingTemplate(props: Partial<ServingProps> = {}): Template {
  const stack = emptyStack();
  const data = new ResidualBucket(stack, "Data");
  new Serving(stack, "Serving", { bucket: data.bucket, ...props });
  return Template.fromStack(stack);
}

describe("Serving", () => {
  it("routes every endpoint of the API", () => {
    const template = servingTemplate();
    const keys = Object.values(template.findResources("AWS::ApiGatewayV2::Route")).map(
      (r) => r.Properties.RouteKey,
    );
    expect(keys.sort()).toEqual(
      [
        "POST /v1/embeddings",
        "POST /v1/classify",
        "POST /v1/neighbours",
        "GET /v1/models",
        "GET /v1/models/{name}",
        "GET /v1/models/{name}/versions/{version}",
        "GET /v1/jobs",
        "GET /v1/jobs/{id}",
        "GET /v1/jobs/{id}/report",
        "GET /v1/jobs/{id}/log",
        "POST /v1/datasets",
        "GET /healthz",
        "GET /livez",
        "GET /readyz",
        "GET /openapi.json",
      ].sort(),
    );
    expect(API_ROUTES).toHaveLength(15);
  });

  it("requires IAM authorization on every route by default", () => {
    const template = servingTemplate();
    const routes = Object.values(template.findResources("AWS::ApiGatewayV2::Route"));
    expect(routes).toHaveLength(15);
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe("AWS_IAM");
    template.resourceCountIs("AWS::ApiGatewayV2::Authorizer", 0);
  });

  it("uses a JWT authorizer on every route when given an issuer and audience", () => {
    const issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc";
    const template = servingTemplate({ jwt: { issuer, audience: ["client-a"] } });
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      JwtConfiguration: { Issuer: issuer, Audience: ["client-a"] },
    });
    const routes = Object.values(template.findResources("AWS::ApiGatewayV2::Route"));
    for (const route of routes) {
      expect(route.Properties.AuthorizationType).toBe("JWT");
      expect(route.Properties.AuthorizerId).toEqual({ Ref: expect.stringMatching(/^ServingApiJwt/) });
    }
  });

  it("throttles the stage and writes JSON access logs", () => {
    const template = servingTemplate({ throttleRateLimit: 20, throttleBurstLimit: 40 });
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: {
        DestinationArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^ServingAccessLogs"), "Arn"] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
  });

  it("preloads what the preload prop names, and nothing for an empty list", () => {
    const named = servingTemplate({ preload: ["default", "flowers@v1"] });
    named.hasResourceProperties("AWS::Lambda::Function", {
      ImageConfig: { Command: ["embed.handler"] },
      Environment: { Variables: Match.objectLike({ RESIDUAL_PRELOAD: "default,flowers@v1" }) },
    });
    const none = servingTemplate({ preload: [] });
    const fns = Object.values(none.findResources("AWS::Lambda::Function"));
    expect(fns.some((f) => "RESIDUAL_PRELOAD" in (f.Properties.Environment?.Variables ?? {}))).toBe(false);
  });

  it("sizes the inference functions for ResNet-50 from the shared Node 22 image", () => {
    const template = servingTemplate({ reservedConcurrency: 5 });
    for (const handler of ["embed", "classify"]) {
      template.hasResourceProperties("AWS::Lambda::Function", {
        PackageType: "Image",
        ImageConfig: { Command: [`${handler}.handler`] },
        MemorySize: 3008,
        Timeout: 29,
        ReservedConcurrentExecutions: 5,
        Architectures: ["x86_64"],
        Environment: {
          Variables: Match.objectLike({
            RESIDUAL_BUCKET: { Ref: Match.stringLikeRegexp("^DataBucket") },
            RESIDUAL_MODEL_CACHE_MB: "1024",
            RESIDUAL_ORT_THREAD: "main",
            RESIDUAL_PRELOAD: "default",
            POWERTOOLS_SERVICE_NAME: `residual-${handler}`,
          }),
        },
      });
    }
    template.hasResourceProperties("AWS::Lambda::Function", {
      ImageConfig: { Command: ["jobs.handler"] },
      MemorySize: 512,
    });
    // One image for all handlers: the same asset hash behind every function.
    const images = Object.values(template.findResources("AWS::Lambda::Function")).map((f) =>
      JSON.stringify(f.Properties.Code.ImageUri),
    );
    expect(new Set(images).size).toBe(1);
  });

  it("lets serving read only models, backbones and job status, and attaches no managed policy", () => {
    const template = servingTemplate();
    const roles = Object.entries(template.findResources("AWS::IAM::Role"));
    expect(roles.map(([id]) => id.replace(/[0-9A-F]{8}$/, "")).sort()).toEqual([
      "ServingClassifyRole",
      "ServingEmbedRole",
      "ServingJobsRole",
    ]);
    for (const [, role] of roles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = statementsOfRole(template, "ServingEmbedRole");
    const described = describeStatements(statements);
    expect(described[0]).toMatch(
      /^logs:CreateLogStream,logs:PutLogEvents -> \$\{ServingEmbedLogs\w+\.Arn\}$/,
    );
    expect(described[1]).toMatch(
      /^s3:GetObject -> \$\{DataBucket\w+\.Arn\}\/models\/\* \| \$\{DataBucket\w+\.Arn\}\/backbones\/\* \| \$\{DataBucket\w+\.Arn\}\/jobs\/\*\/status\.json$/,
    );
    expect(described[2]).toMatch(/^s3:ListBucket -> \$\{DataBucket\w+\.Arn\}$/);
    // Unconditional ListBucket: missing keys must be 404s, not 403s.
    expect(statements[2]?.Condition).toBeUndefined();
    expect(statements).toHaveLength(3);
    const actions = statements.flatMap((s) => ([] as unknown[]).concat(s.Action));
    expect(actions.filter((a) => /^s3:(Put|Delete|Abort)/.test(String(a)))).toEqual([]);
  });

  it("lets the jobs function also read job reports and logs and upload datasets/ only", () => {
    const template = servingTemplate();
    const described = describeStatements(statementsOfRole(template, "ServingJobsRole"));
    expect(described).toContainEqual(
      expect.stringMatching(
        /^s3:GetObject -> \$\{DataBucket\w+\.Arn\}\/jobs\/\*\/report\.json \| \$\{DataBucket\w+\.Arn\}\/jobs\/\*\/log\.txt$/,
      ),
    );
    expect(described).toContainEqual(
      expect.stringMatching(
        /^s3:PutObject,s3:AbortMultipartUpload -> \$\{DataBucket\w+\.Arn\}\/datasets\/\*$/,
      ),
    );
    const writes = described.filter((d) => /s3:Put/.test(d));
    expect(writes).toHaveLength(1);
  });

  it("reports every invalid prop in one message", () => {
    const stack = emptyStack();
    const data = new ResidualBucket(stack, "Data");
    expect(
      () =>
        new Serving(stack, "Serving", {
          bucket: data.bucket,
          inferenceMemorySize: 64,
          inferenceTimeout: Duration.seconds(60),
          jwt: { issuer: "http://example.com", audience: [] },
        }),
    ).toThrow(
      "Invalid Serving props: inferenceMemorySize must be an integer from 128 to 10240 (got 64); " +
        "inferenceTimeout (seconds) must be an integer from 1 to 29 (got 60); " +
        'jwt.issuer must be an https URL (got "http://example.com"); jwt.audience must name at least one audience',
    );
    // Validation runs before the construct joins the tree, so a rejected Serving leaves nothing behind.
    expect(stack.node.tryFindChild("Serving")).toBeUndefined();
  });
});
