import { Duration, Size } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as batch from "aws-cdk-lib/aws-batch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { describe, expect, it } from "vitest";
import { Network } from "../../cdk/lib/network.js";
import { ResidualBucket } from "../../cdk/lib/residual-bucket.js";
import { Training, type TrainingProps } from "../../cdk/lib/training.js";
import {
  bucketAndNetwork,
  describeStatements,
  emptyStack,
  residualStack,
  statementsOfRole,
} from "./support.js";

function trainingTemplate(props: Partial<TrainingProps> = {}): Template {
  const stack = emptyStack();
  const { data, net } = bucketAndNetwork(stack);
  new Training(stack, "Training", { bucket: data.bucket, vpc: net.vpc, ...props });
  return Template.fromStack(stack);
}

describe("Training", () => {
  it("creates a managed EC2 GPU compute environment (g5/g6, On-Demand) in private subnets", () => {
    const template = trainingTemplate();
    template.resourceCountIs("AWS::Batch::ComputeEnvironment", 1);
    template.resourceCountIs("AWS::Batch::JobQueue", 1);
    template.resourceCountIs("AWS::Batch::JobDefinition", 1);
    template.hasResourceProperties("AWS::Batch::ComputeEnvironment", {
      Type: "managed",
      ComputeResources: Match.objectLike({
        Type: "EC2",
        InstanceTypes: ["g5", "g6"],
        AllocationStrategy: "BEST_FIT_PROGRESSIVE",
        MaxvCpus: 32,
        MinvCpus: 0,
        Ec2Configuration: [{ ImageType: "ECS_AL2_NVIDIA" }],
        Subnets: [
          { Ref: Match.stringLikeRegexp("^NetworkVpctrainingSubnet1") },
          { Ref: Match.stringLikeRegexp("^NetworkVpctrainingSubnet2") },
        ],
      }),
    });
    // Private subnets do not map public IPs, and neither do the public ones (only the NAT gateway has one).
    const subnets = Object.values(template.findResources("AWS::EC2::Subnet"));
    expect(subnets).toHaveLength(4);
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    template.resourceCountIs("AWS::EC2::NatGateway", 1);
  });

  it("switches to Spot with the capacity-optimized strategy and the given instance types", () => {
    const template = trainingTemplate({
      spot: true,
      instanceTypes: ["g5.xlarge", "g6.2xlarge"],
      maxVcpus: 16,
    });
    template.hasResourceProperties("AWS::Batch::ComputeEnvironment", {
      ComputeResources: Match.objectLike({
        Type: "SPOT",
        InstanceTypes: ["g5.xlarge", "g6.2xlarge"],
        AllocationStrategy: "SPOT_PRICE_CAPACITY_OPTIMIZED",
        MaxvCpus: 16,
      }),
    });
  });

  it("defines a job that asks for one GPU and runs `residual worker --job <id>`", () => {
    const template = trainingTemplate();
    template.hasResourceProperties("AWS::Batch::JobDefinition", {
      Type: "container",
      Parameters: { jobId: "unset" },
      Timeout: { AttemptDurationSeconds: 6 * 3600 },
      ContainerProperties: Match.objectLike({
        Command: ["--job", "Ref::jobId"],
        ResourceRequirements: [
          { Type: "MEMORY", Value: "14336" },
          { Type: "VCPU", Value: "3" },
          { Type: "GPU", Value: "1" },
        ],
        Environment: Match.arrayWith([
          { Name: "RESIDUAL_BUCKET", Value: { Ref: Match.stringLikeRegexp("^DataBucket") } },
          { Name: "RESIDUAL_BACKEND", Value: "tensorflow" },
        ]),
      }),
    });
  });

  it("hands the archive disk cap to the worker only when one is given, and refuses a useless one", () => {
    const env = (t: Template) =>
      Object.values(t.findResources("AWS::Batch::JobDefinition"))[0]!.Properties.ContainerProperties
        .Environment as { Name: string; Value: unknown }[];
    expect(env(trainingTemplate()).map((e) => e.Name)).not.toContain("RESIDUAL_MAX_EXTRACT_GIB");
    expect(env(trainingTemplate({ maxExtract: Size.gibibytes(80) }))).toContainEqual({
      Name: "RESIDUAL_MAX_EXTRACT_GIB",
      Value: "80",
    });
    expect(env(trainingTemplate({ maxExtract: Size.mebibytes(1536) }))).toContainEqual({
      Name: "RESIDUAL_MAX_EXTRACT_GIB",
      Value: "1.5",
    });
    expect(() => trainingTemplate({ maxExtract: Size.mebibytes(1) })).toThrow(
      /maxExtract must be at least 64 MiB/,
    );
  });

  it("retries host terminations and transient exits but not application errors", () => {
    const template = trainingTemplate({ retryAttempts: 4 });
    template.hasResourceProperties("AWS::Batch::JobDefinition", {
      RetryStrategy: {
        Attempts: 4,
        EvaluateOnExit: [
          { Action: "RETRY", OnStatusReason: "Host EC2*" },
          { Action: "RETRY", OnReason: "CannotPullContainerError:*" },
          { Action: "RETRY", OnExitCode: "75" },
          { Action: "EXIT", OnExitCode: "3" },
          { Action: "EXIT", OnExitCode: "*" },
        ],
      },
    });
  });

  it("lets the job role read datasets and backbones and write only jobs/, models/ and cache/", () => {
    const template = trainingTemplate();
    const s3 = statementsOfRole(template, "TrainingJobRole").filter((s) =>
      JSON.stringify(s.Action).includes("s3:"),
    );
    const statements = describeStatements(s3);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toMatch(/^s3:GetObject -> /);
    for (const prefix of ["datasets/*", "backbones/*", "jobs/*", "models/*", "cache/*"])
      expect(statements[0]).toContain(prefix);
    expect(statements[1]).toMatch(/^s3:PutObject,s3:PutObjectTagging,s3:AbortMultipartUpload -> /);
    expect(statements[1]?.split(" | ").map((r) => r.replace(/^.*\}\//, ""))).toEqual([
      "jobs/*",
      "models/*",
      "cache/*",
    ]);
    expect(statements[2]).toMatch(/^s3:ListBucket -> \$\{DataBucket\w+\.Arn\}$/);
    const list = s3[2];
    // Unconditional ListBucket: missing keys must be 404s, not 403s.
    expect(list?.Condition).toBeUndefined();
  });

  it("reports every invalid prop in one message", () => {
    const stack = emptyStack();
    const { data, net } = bucketAndNetwork(stack);
    expect(
      () =>
        new Training(stack, "Training", {
          bucket: data.bucket,
          vpc: net.vpc,
          instanceTypes: ["m5.large", "g5.xlarge"],
          gpus: 0,
          vcpus: 8,
          maxVcpus: 4,
          memory: Size.mebibytes(512),
          timeout: Duration.seconds(10),
          allocationStrategy: batch.AllocationStrategy.SPOT_CAPACITY_OPTIMIZED,
        }),
    ).toThrow(
      'Invalid Training props: instanceTypes entry "m5.large" is not a GPU instance type or family (g*/p*, e.g. g5.xlarge); ' +
        "gpus must be an integer from 1 to 8 (got 0); " +
        "memory (MiB) must be an integer from 1024 to 2000000 (got 512); " +
        "timeout (seconds) must be an integer from 60 to 1209600 (got 10); " +
        "vcpus (8) must not exceed maxVcpus (4); " +
        "allocationStrategy SPOT_CAPACITY_OPTIMIZED needs spot: true",
    );
  });
});

describe("Network", () => {
  it("uses an existing VPC instead of creating one", () => {
    const stack = emptyStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, "Existing", {
      vpcId: "vpc-0123abcd",
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
      privateSubnetIds: ["subnet-aaaa", "subnet-bbbb"],
    });
    const net = new Network(stack, "Network", { vpc });
    const data = new ResidualBucket(stack, "Data");
    new Training(stack, "Training", { bucket: data.bucket, vpc: net.vpc });
    const template = Template.fromStack(stack);
    template.resourceCountIs("AWS::EC2::VPC", 0);
    template.resourceCountIs("AWS::EC2::NatGateway", 0);
    template.hasResourceProperties("AWS::Batch::ComputeEnvironment", {
      ComputeResources: Match.objectLike({ Subnets: ["subnet-aaaa", "subnet-bbbb"] }),
    });
  });

  it("rejects new-VPC options next to an existing VPC, with every problem", () => {
    const stack = emptyStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, "Existing", {
      vpcId: "vpc-1",
      availabilityZones: ["eu-west-1a"],
    });
    expect(() => new Network(stack, "Network", { vpc, natGateways: 0 })).toThrow(
      "Invalid Network props: natGateways must be an integer from 1 to 6 (got 0); " +
        "maxAzs and natGateways only apply to a new VPC; drop them or drop vpc",
    );
  });
});

describe("Dispatcher", () => {
  it("consumes the trigger queue with partial batch responses", () => {
    const template = Template.fromStack(residualStack());
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^TriggerQueue"), "Arn"] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });

  it("may submit only to this job queue with this job definition, and touch only job status", () => {
    const template = Template.fromStack(residualStack());
    const statements = statementsOfRole(template, "DispatcherHandlerRole");
    const submit = statements.filter((s) => JSON.stringify(s.Action).includes("batch:"));
    expect(submit).toEqual([
      {
        Sid: "SubmitTrainingJobs",
        Effect: "Allow",
        Action: "batch:SubmitJob",
        Resource: [
          { "Fn::GetAtt": [expect.stringMatching(/^TrainingJobQueue/), "JobQueueArn"] },
          { Ref: expect.stringMatching(/^TrainingJobDefinition/) },
        ],
      },
    ]);
    const s3 = statements.filter((s) => JSON.stringify(s.Action).includes("s3:"));
    expect(describeStatements(s3)).toEqual([
      expect.stringMatching(/^s3:GetObject -> \$\{DataBucket\w+\.Arn\}\/jobs\/\*\/status\.json$/),
      expect.stringMatching(
        /^s3:PutObject,s3:PutObjectTagging,s3:AbortMultipartUpload -> \$\{DataBucket\w+\.Arn\}\/jobs\/\*\/status\.json$/,
      ),
      expect.stringMatching(/^s3:ListBucket -> \$\{DataBucket\w+\.Arn\}$/),
    ]);
    // Unconditional ListBucket: missing keys must be 404s, not 403s.
    expect(s3[2]?.Condition).toBeUndefined();
    const actions = statements.flatMap((s) => ([] as unknown[]).concat(s.Action));
    expect(actions.filter((a) => String(a).startsWith("sqs:")).sort()).toEqual([
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
    ]);
  });

  it("gets the job queue and job definition through its environment", () => {
    const template = Template.fromStack(residualStack());
    template.hasResourceProperties("AWS::Lambda::Function", {
      ImageConfig: { Command: ["dispatch.handler"] },
      Environment: {
        Variables: Match.objectLike({
          RESIDUAL_BUCKET: { Ref: Match.stringLikeRegexp("^DataBucket") },
          RESIDUAL_JOB_QUEUE: { "Fn::GetAtt": [Match.stringLikeRegexp("^TrainingJobQueue"), "JobQueueArn"] },
          RESIDUAL_JOB_DEFINITION: { Ref: Match.stringLikeRegexp("^TrainingJobDefinition") },
          POWERTOOLS_SERVICE_NAME: "residual-dispatch",
        }),
      },
    });
  });
});
