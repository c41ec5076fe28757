import { getPretrained } from "@residual/resnet/registry";
import { CustomResource, Duration, Size } from "aws-cdk-lib";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { grantBackboneSeeding } from "./bucket-access.js";
import { ENV } from "./env-contract.js";
import { assertNoProblems } from "./invalid-props-error.js";
import { ResidualFunction } from "./residual-function.js";

export interface BackboneSeedProps {
  /** The data bucket whose `backbones/` are seeded. */
  readonly bucket: s3.IBucket;
  /** Pretrained weights to seed, as `arch.tag` (a bare arch means its default tag); at least one. */
  readonly tags: readonly string[];
  /**
   * The image code of the seeding function.
   * @default the shared Lambda image with CMD `seed-backbones.handler`
   */
  readonly code?: lambda.DockerImageCode;
}

/**
 * Seeds pretrained backbones into `backbones/<arch.tag>/` of the data bucket during `cdk deploy`: a custom
 * resource (`Custom::ResidualBackbones`) whose Lambda (`functions/src/seed-backbones.ts`) downloads the weights
 * from Hugging Face (the function runs outside the VPC, so it has internet egress without the NAT gateway),
 * converts them and writes them, `model.json` last. A backbone already in the bucket is skipped; changing the
 * tags re-runs the resource; deleting the stack leaves the backbones in the (retained) bucket.
 *
 * @example
 * const seed = new BackboneSeed(this, "Backbones", { bucket, tags: ["resnet50.tv2_in1k"] });
 * seed.resource.getAttString("Seeded");
 */
export class BackboneSeed extends Construct {
  /** The tags as seeded (canonical `arch.tag`s, in order, without duplicates). */
  public readonly tags: readonly string[];
  public readonly function: lambda.IFunction;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: BackboneSeedProps) {
    const tags = validate(props);
    super(scope, id);
    this.tags = tags;
    const fn = new ResidualFunction(this, "Seed", {
      handler: "seed-backbones",
      code: props.code,
      // ResNet-50 is a 100 MB download held in memory while its converted copy is written; 3008 MB is the
      // largest size every account gets without a quota request and leaves room up to wide_resnet101_2.
      memorySize: 3008,
      timeout: Duration.minutes(15),
      ephemeralStorageSize: Size.gibibytes(2),
      environment: { [ENV.bucket]: props.bucket.bucketName },
    });
    grantBackboneSeeding(fn.role, props.bucket);
    this.function = fn.function;
    this.resource = new CustomResource(this, "Resource", {
      serviceToken: fn.function.functionArn,
      resourceType: "Custom::ResidualBackbones",
      // The function answers before its own 15-minute timeout; this bounds CloudFormation's wait (an hour by
      // default) should it die without answering (out of memory).
      serviceTimeout: Duration.minutes(17),
      // In the properties so that a new list is an Update (which seeds what is missing).
      properties: { Tags: [...tags] },
    });
  }
}

/** The canonical tags, or one error naming every unknown one (and what exists). */
function validate(props: BackboneSeedProps): string[] {
  const problems: string[] = [];
  const tags: string[] = [];
  for (const tag of props.tags) {
    try {
      const canonical = getPretrained(tag).archTag;
      if (!tags.includes(canonical)) tags.push(canonical);
    } catch (err) {
      problems.push(`seedBackbones: ${(err as Error).message}`);
    }
  }
  if (props.tags.length === 0) problems.push("seedBackbones must name at least one arch.tag (or use none)");
  assertNoProblems("BackboneSeed props", problems);
  return tags;
}
