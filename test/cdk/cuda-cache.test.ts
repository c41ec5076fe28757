import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Size, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as efs from "aws-cdk-lib/aws-efs";
import { describe, expect, it } from "vitest";
import { Training, type TrainingProps } from "../../cdk/lib/training.js";
import { bucketAndNetwork, describeStatements, emptyStack, flat, statementsOfRole } from "./support.js";

function build(stack: Stack, props: Partial<TrainingProps> = {}): Training {
  const { data, net } = bucketAndNetwork(stack);
  return new Training(stack, "Training", { bucket: data.bucket, vpc: net.vpc, ...props });
}

function trainingTemplate(props: Partial<TrainingProps> = {}): Template {
  const stack = emptyStack();
  build(stack, props);
  return Template.fromStack(stack);
}

type JobContainer = {
  Environment: { Name: string; Value: unknown }[];
  Volumes?: unknown[];
  MountPoints?: unknown[];
};

function jobContainer(template: Template): JobContainer {
  const [definition] = Object.values(template.findResources("AWS::Batch::JobDefinition"));
  return definition?.Properties.ContainerProperties as JobContainer;
}

describe("Training's CUDA JIT cache", () => {
  it("is an encrypted EFS file system with mount targets in the training subnets, one per zone", () => {
    const template = trainingTemplate();
    template.resourceCountIs("AWS::EFS::FileSystem", 1);
    template.hasResourceProperties("AWS::EFS::FileSystem", {
      Encrypted: true,
      ThroughputMode: "elastic",
      PerformanceMode: "generalPurpose",
      LifecyclePolicies: [
        { TransitionToIA: "AFTER_30_DAYS" },
        { TransitionToPrimaryStorageClass: "AFTER_1_ACCESS" },
      ],
    });
    template.hasResource("AWS::EFS::FileSystem", { DeletionPolicy: "Delete" });
    const targets = Object.values(template.findResources("AWS::EFS::MountTarget"));
    expect(targets.map((t) => t.Properties.SubnetId.Ref).sort()).toEqual([
      expect.stringMatching(/^NetworkVpctrainingSubnet1/),
      expect.stringMatching(/^NetworkVpctrainingSubnet2/),
    ]);
  });

  it("refuses clients without TLS and grants nobody else anything in the file system policy", () => {
    const template = trainingTemplate();
    const [fs] = Object.values(template.findResources("AWS::EFS::FileSystem"));
    expect(fs?.Properties.FileSystemPolicy.Statement).toEqual([
      {
        Sid: "DenyWithoutTls",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "elasticfilesystem:*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("is mounted into every job through an access point, as the job role, over TLS, and named in its environment", () => {
    const template = trainingTemplate();
    template.hasResourceProperties("AWS::EFS::AccessPoint", {
      FileSystemId: { Ref: Match.stringLikeRegexp("^TrainingCudaCacheFileSystem") },
      RootDirectory: {
        Path: "/cuda-cache",
        CreationInfo: { OwnerUid: "1000", OwnerGid: "1000", Permissions: "755" },
      },
      PosixUser: { Uid: "1000", Gid: "1000" },
    });
    const container = jobContainer(template);
    expect(container.Volumes).toEqual([
      {
        Name: "cuda-cache",
        EfsVolumeConfiguration: {
          FileSystemId: { Ref: expect.stringMatching(/^TrainingCudaCacheFileSystem/) },
          TransitEncryption: "ENABLED",
          AuthorizationConfig: {
            AccessPointId: { Ref: expect.stringMatching(/^TrainingCudaCacheAccessPoint/) },
            Iam: "ENABLED",
          },
        },
      },
    ]);
    expect(container.MountPoints).toEqual([
      { ContainerPath: "/mnt/cuda-cache", SourceVolume: "cuda-cache", ReadOnly: false },
    ]);
    const env = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]));
    expect(env).toMatchObject({
      RESIDUAL_CUDA_CACHE_ROOT: "/mnt/cuda-cache",
      CUDA_CACHE_MAXSIZE: "4294967296",
    });
    // The entrypoint derives CUDA_CACHE_PATH per GPU and driver; forcing the JIT would defeat the cache.
    expect(env).not.toHaveProperty("CUDA_CACHE_PATH");
    expect(env).not.toHaveProperty("CUDA_FORCE_PTX_JIT");
  });

  it("lets only the job role mount it, through this access point, without root; NFS is open to the instances only", () => {
    const template = trainingTemplate();
    const efsStatements = statementsOfRole(template, "TrainingJobRole").filter((s) =>
      JSON.stringify(s.Action).includes("elasticfilesystem:"),
    );
    expect(efsStatements).toEqual([
      {
        Effect: "Allow",
        Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        Resource: { "Fn::GetAtt": [expect.stringMatching(/^TrainingCudaCacheFileSystem/), "Arn"] },
        Condition: {
          StringEquals: { "elasticfilesystem:AccessPointArn": expect.anything() },
          Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" },
        },
      },
    ]);
    const condition = efsStatements[0]?.Condition as { StringEquals: Record<string, unknown> };
    expect(flat(condition.StringEquals["elasticfilesystem:AccessPointArn"])).toMatch(
      /^arn:\$\{AWS::Partition\}:elasticfilesystem:\$\{AWS::Region\}:\$\{AWS::AccountId\}:access-point\/\$\{TrainingCudaCacheAccessPoint\w+\}$/,
    );
    const ingress = Object.values(template.findResources("AWS::EC2::SecurityGroupIngress"));
    expect(ingress.map((r) => r.Properties)).toEqual([
      {
        IpProtocol: "tcp",
        FromPort: 2049,
        ToPort: 2049,
        Description: "NFS from the training instances (CUDA JIT cache)",
        GroupId: {
          "Fn::GetAtt": [expect.stringMatching(/^TrainingCudaCacheFileSystemEfsSecurityGroup/), "GroupId"],
        },
        SourceSecurityGroupId: {
          "Fn::GetAtt": [expect.stringMatching(/^TrainingComputeEnvironmentSecurityGroup/), "GroupId"],
        },
      },
    ]);
    for (const role of ["TrainingJobRole", "TrainingContainerExecutionRole"]) {
      const actions = describeStatements(statementsOfRole(template, role)).join(" ");
      expect(actions).not.toContain("ClientRootAccess");
    }
  });

  it("turns off with cudaCache: false", () => {
    const template = trainingTemplate({ cudaCache: false });
    template.resourceCountIs("AWS::EFS::FileSystem", 0);
    template.resourceCountIs("AWS::EFS::AccessPoint", 0);
    const container = jobContainer(template);
    expect(container.Volumes).toBeUndefined();
    expect(container.Environment.map((e) => e.Name)).not.toContain("RESIDUAL_CUDA_CACHE_ROOT");
  });

  it("uses a file system you bring, with your path and size, and opens its security group to the instances", () => {
    const stack = emptyStack();
    const group = ec2.SecurityGroup.fromSecurityGroupId(stack, "FsGroup", "sg-0fs");
    const fileSystem = efs.FileSystem.fromFileSystemAttributes(stack, "Fs", {
      fileSystemId: "fs-0123abcd",
      securityGroup: group,
    });
    const training = build(stack, {
      cudaCache: { fileSystem, path: "/jit/residual", maxSize: Size.gibibytes(2) },
    });
    const template = Template.fromStack(stack);
    expect(training.cudaCache?.fileSystem).toBe(fileSystem);
    template.resourceCountIs("AWS::EFS::FileSystem", 0);
    template.hasResourceProperties("AWS::EFS::AccessPoint", {
      FileSystemId: "fs-0123abcd",
      RootDirectory: Match.objectLike({ Path: "/jit/residual" }),
    });
    template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", { GroupId: "sg-0fs", FromPort: 2049 });
    const env = Object.fromEntries(jobContainer(template).Environment.map((e) => [e.Name, e.Value]));
    expect(env.CUDA_CACHE_MAXSIZE).toBe(String(2 * 1024 ** 3));
  });

  it("reports bad cache options together with the other props", () => {
    const stack = emptyStack();
    const { data, net } = bucketAndNetwork(stack);
    expect(
      () =>
        new Training(stack, "Training", {
          bucket: data.bucket,
          vpc: net.vpc,
          gpus: 0,
          cudaCache: { path: "cache/../x", maxSize: Size.gibibytes(8) },
          image: ecs.ContainerImage.fromRegistry("example/trainer:1"),
          baseImage: "nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04",
        }),
    ).toThrow(
      "Invalid Training props: gpus must be an integer from 1 to 8 (got 0); " +
        'cudaCache.path must be an absolute directory without "..", e.g. /cuda-cache (got "cache/../x"); ' +
        "cudaCache.maxSize must not exceed CUDA's maximum of 4 GiB (got 8589934592 bytes); " +
        "baseImage only applies to the image built from trainer.Dockerfile; drop it or drop image",
    );
    expect(stack.node.tryFindChild("Training")).toBeUndefined();
  });
});

describe("Training's image", () => {
  it("passes baseImage to trainer.Dockerfile as the BASE_IMAGE build arg", () => {
    const outdir = mkdtempSync(join(tmpdir(), "residual-training-asset-"));
    try {
      const app = new App({ outdir, context: { "aws:cdk:disable-asset-staging": true } });
      build(new Stack(app, "Test"), { baseImage: "nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04" });
      app.synth();
      const manifest = readdirSync(outdir).find((f) => f.endsWith(".assets.json"));
      const assets = JSON.parse(readFileSync(join(outdir, manifest ?? "missing"), "utf8"));
      const images = Object.values(assets.dockerImages) as {
        source: { dockerFile: string; dockerBuildArgs?: Record<string, string> };
      }[];
      expect(images.map((i) => [i.source.dockerFile, i.source.dockerBuildArgs])).toEqual([
        ["cdk/docker/trainer.Dockerfile", { BASE_IMAGE: "nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04" }],
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
