import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../cdk/lib/docker-context.js";
import { InvalidPropsError } from "../../cdk/lib/invalid-props-error.js";
import { buildApp } from "../../cdk/lib/residual-app.js";
import { residualStack } from "./support.js";

describe("ResidualStack", () => {
  it("creates each piece once and the alarms for every failure path", () => {
    const template = Template.fromStack(residualStack());
    const counts: Record<string, number> = {
      "AWS::S3::Bucket": 2,
      "AWS::SQS::Queue": 2,
      "AWS::Batch::ComputeEnvironment": 1,
      "AWS::Batch::JobQueue": 1,
      "AWS::Batch::JobDefinition": 1,
      "AWS::ApiGatewayV2::Api": 1,
      "AWS::ApiGatewayV2::Route": 15,
      "AWS::SNS::Topic": 1,
      "AWS::Events::Rule": 1,
      // DLQ, failed jobs, API 5xx, failed bulk executions, errors of embed, classify, jobs, dispatch, bulk, bulk-manifest.
      "AWS::CloudWatch::Alarm": 10,
      // Seven Residual functions (the backbone seeding included) plus CDK's S3-notification handler.
      "AWS::Lambda::Function": 8,
      "Custom::ResidualBackbones": 1,
      "AWS::StepFunctions::StateMachine": 1,
    };
    for (const [type, count] of Object.entries(counts)) template.resourceCountIs(type, count);
  });

  it("gives no policy the same statement id twice (CloudFormation's E3510)", () => {
    const policies = Template.fromStack(residualStack()).findResources("AWS::IAM::Policy");
    expect(Object.keys(policies).length).toBeGreaterThan(5);
    for (const [id, policy] of Object.entries(policies)) {
      const sids = (policy.Properties.PolicyDocument.Statement as { Sid?: string }[])
        .map((st) => st.Sid)
        .filter((sid) => sid !== undefined);
      expect(sids, id).toEqual([...new Set(sids)]);
    }
  });

  it("sends FAILED jobs of this queue to the alarm topic and alarms on DLQ depth", () => {
    const template = Template.fromStack(residualStack({ alarmEmail: "ops@example.com" }));
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.batch"],
        "detail-type": ["Batch Job State Change"],
        detail: {
          status: ["FAILED"],
          jobQueue: [{ "Fn::GetAtt": [Match.stringLikeRegexp("^TrainingJobQueue"), "JobQueueArn"] }],
        },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp("^OperationsTopic") } })],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [
        {
          Name: "QueueName",
          Value: { "Fn::GetAtt": [Match.stringLikeRegexp("^TriggerDeadLetterQueue"), "QueueName"] },
        },
      ],
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp("^OperationsTopic") }],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/ApiGateway",
      MetricName: "5xx",
    });
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
    });
    template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
  });

  it("rejects a malformed alarm e-mail before building anything", () => {
    expect(() => residualStack({ alarmEmail: "ops at example" })).toThrow(
      'Invalid Operations props: alarmEmail is not an e-mail address (got "ops at example")',
    );
  });

  it("outputs the bucket, API URL, queue URL and job queue", () => {
    const outputs = Template.fromStack(residualStack()).findOutputs("*");
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "AlarmTopicArn",
        "ApiUrl",
        "BulkStateMachineArn",
        "BucketName",
        "DeadLetterQueueUrl",
        "JobQueueArn",
        "QueueUrl",
        "SeededBackbones",
        "TrainingLogGroupName",
      ].sort(),
    );
  });

  it("passes the cdk-nag AWS Solutions checks with every acknowledgement reasoned", () => {
    const app = new App();
    const stack = buildApp(app);
    const report = new AwsSolutionsChecks(app).validateScope(app);
    const errors = report.violations.filter((v) => v.severity === "error");
    expect(
      errors.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join()}`),
    ).toEqual([]);
    expect(report.violations).toEqual([]);
    // cdk-nag 3 reports through the validation plugin, not annotations; neither channel may carry an error.
    expect(Annotations.fromStack(stack).findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).toEqual(
      [],
    );
    const acknowledgements = stack.node
      .findAll()
      .flatMap((c: IConstruct) =>
        c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY),
      )
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => [id.replace(/^Annotation::/, ""), reason] as const);
    const nag = acknowledgements.filter(([id]) => id.startsWith("AwsSolutions-"));
    expect(nag.length).toBeGreaterThan(5);
    for (const [id, reason] of nag) expect(reason.length, id).toBeGreaterThanOrEqual(40);
  });

  it("fails the checks when a finding is not in the acceptance table", () => {
    const app = new App();
    const stack = buildApp(app);
    // A role with a wildcard that nobody accepted must surface as a violation.
    stack.training.jobRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: ["*"] }),
    );
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toContain("AwsSolutions-IAM5[Resource::*]");
  });

  it("reads deploy options from context and rejects bad ones all at once", () => {
    const spot = buildApp(
      new App({ context: { spot: "true", instanceTypes: "g5.2xlarge,g6.xlarge", maxVcpus: "8" } }),
    );
    Template.fromStack(spot).hasResourceProperties("AWS::Batch::ComputeEnvironment", {
      ComputeResources: Match.objectLike({
        Type: "SPOT",
        InstanceTypes: ["g5.2xlarge", "g6.xlarge"],
        MaxvCpus: 8,
      }),
    });
    Template.fromStack(buildApp(new App({ context: { maxExtractGiB: "50" } }))).hasResourceProperties(
      "AWS::Batch::JobDefinition",
      {
        ContainerProperties: Match.objectLike({
          Environment: Match.arrayWith([{ Name: "RESIDUAL_MAX_EXTRACT_GIB", Value: "50" }]),
        }),
      },
    );
    const noCache = buildApp(new App({ context: { cudaCache: "false" } }));
    Template.fromStack(noCache).resourceCountIs("AWS::EFS::FileSystem", 0);
    Template.fromStack(buildApp(new App())).resourceCountIs("AWS::EFS::FileSystem", 1);
    const bad = () =>
      buildApp(
        new App({
          context: {
            spot: "maybe",
            maxVcpus: "-1",
            maxExtractGiB: "lots",
            alarmEmail: "nope",
            jwtIssuer: "https://x.example",
          },
        }),
      );
    expect(bad).toThrow(InvalidPropsError);
    expect(bad).toThrow(/^Invalid context: spot: .*; maxVcpus: .*; maxExtractGiB: .*; alarmEmail: .*$/);
    expect(() => buildApp(new App({ context: { jwtIssuer: "https://x.example" } }))).toThrow(
      "Invalid context: jwtIssuer and jwtAudience go together: give both for JWT auth, or neither for IAM auth",
    );
  });

  it("builds both images from Dockerfiles on the expected bases", () => {
    const lambda = readFileSync(join(REPO_ROOT, "cdk/docker/lambda.Dockerfile"), "utf8");
    expect(lambda).toMatch(/^ARG BASE_IMAGE=public\.ecr\.aws\/lambda\/nodejs:22$/m);
    const trainer = readFileSync(join(REPO_ROOT, "cdk/docker/trainer.Dockerfile"), "utf8");
    // Plain Ubuntu plus pinned CUDA 11.2 packages: many end-of-life nvidia/cuda tags are gone (trainer-image.test.ts).
    expect(trainer).toMatch(/^ARG BASE_IMAGE=ubuntu:20\.04$/m);
    expect(trainer).toMatch(/^ARG TFJS_NODE_GPU_VERSION=4\.22\.0$/m);
    expect(trainer).toMatch(/^ENTRYPOINT \["trainer-entrypoint", "residual", "worker"\]$/m);
  });
});

describe("npx cdk synth", () => {
  it("synthesizes the app offline into a cloud assembly with a small staged context", () => {
    const out = mkdtempSync(join(tmpdir(), "residual-cdk-"));
    try {
      const result = spawnSync("npx", ["cdk", "synth", "--quiet", "--no-notices", "-o", out], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: "1" },
        timeout: 110_000,
      });
      expect(result.status, result.stderr).toBe(0);
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      expect(manifest.artifacts.Residual.type).toBe("aws:cloudformation:stack");
      const assets = JSON.parse(readFileSync(join(out, "Residual.assets.json"), "utf8"));
      const images = Object.values(assets.dockerImages) as {
        source: { directory: string; dockerFile: string; dockerBuildArgs?: Record<string, string> };
      }[];
      expect(images.map((i) => i.source.dockerFile).sort()).toEqual([
        "cdk/docker/lambda.Dockerfile",
        "cdk/docker/trainer.Dockerfile",
      ]);
      for (const image of images) {
        const trainer = image.source.dockerFile === "cdk/docker/trainer.Dockerfile";
        // No build args by default: the Dockerfile's own base (ubuntu:20.04) is what gets built.
        expect(image.source.dockerBuildArgs).toBeUndefined();
        const staged = readdirSync(join(out, image.source.directory)).sort();
        expect(staged).toEqual([
          ".npmrc",
          ...(trainer ? ["bench"] : []),
          "cdk",
          "functions",
          "package-lock.json",
          "package.json",
          "packages",
          "tsconfig.json",
        ]);
        // The trainer carries the one benchmark bench/gpu-smoke.sh runs in it, and nothing else of bench/.
        if (trainer) expect(readdirSync(join(out, image.source.directory, "bench"))).toEqual(["gpu-step.ts"]);
        expect(readdirSync(join(out, image.source.directory, "cdk")).sort()).toEqual([
          "docker",
          "package.json",
        ]);
        const files = readdirSync(join(out, image.source.directory), { recursive: true }).map(String);
        expect(
          files.filter((f) => /(^|\/)(node_modules|cdk\.out|\.residual|\.git|test)(\/|$)/.test(f)),
        ).toEqual([]);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
