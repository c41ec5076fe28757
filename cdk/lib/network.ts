import { RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { assertNoProblems, checkIntegerRange } from "./invalid-props-error.js";

export interface NetworkProps {
  /**
   * Use this VPC instead of creating one; it must have private subnets with egress (NAT) for image pulls and S3.
   * @default a new VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Availability zones of the new VPC (more zones: more Spot pools to draw GPUs from).
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * NAT gateways of the new VPC. One is cheaper; one per zone survives a zone outage.
   * @default 1
   */
  readonly natGateways?: number;
}

/**
 * Where training instances run: private subnets behind NAT, no public IPs, VPC flow logs on, and an S3 gateway
 * endpoint so dataset and checkpoint traffic skips the NAT gateway (and its per-GB charge).
 *
 * @example
 * const net = new Network(this, "Network", { natGateways: 2 });
 * net.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
 */
export class Network extends Construct {
  /** The VPC training instances launch in. */
  public readonly vpc: ec2.IVpc;
  /** Which subnets they launch in. */
  public readonly subnets: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    validate(props);
    super(scope, id);
    this.subnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    this.vpc = props.vpc ?? this.createVpc(props);
  }

  private createVpc(props: NetworkProps): ec2.Vpc {
    const vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: props.maxAzs ?? 2,
      natGateways: props.natGateways ?? 1,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: "training", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    const flowLogs = new logs.LogGroup(this, "FlowLogs", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog("FlowLog", { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) });
    return vpc;
  }
}

function validate(props: NetworkProps): void {
  const problems: string[] = [];
  checkIntegerRange(problems, "maxAzs", props.maxAzs, 1, 6);
  checkIntegerRange(problems, "natGateways", props.natGateways, 1, 6);
  if (props.vpc && (props.maxAzs !== undefined || props.natGateways !== undefined)) {
    problems.push("maxAzs and natGateways only apply to a new VPC; drop them or drop vpc");
  }
  assertNoProblems("Network props", problems);
}
