import { type App, Size, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { CONTEXT_KEYS, type ContextConfig, parseContext } from "./context-config.js";
import { InvalidPropsError } from "./invalid-props-error.js";
import { ResidualStack, type ResidualStackProps } from "./residual-stack.js";

/**
 * Fills an app from its context (`-c key=value`): one {@link ResidualStack}, with the cdk-nag AWS Solutions checks
 * over everything so an unsuppressed finding fails `cdk synth`. The bin and the tests share it, so the tests
 * synthesize exactly what `npx cdk synth` does.
 *
 * @example
 * const app = buildApp(new App({ context: { spot: "true" } }));
 * app.synth();
 */
export function buildApp(app: App): ResidualStack {
  const raw = Object.fromEntries(CONTEXT_KEYS.map((key) => [key, app.node.tryGetContext(key)]));
  const config = parseContext(raw);
  const stack = new ResidualStack(app, config.stackName ?? "Residual", stackProps(config));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}

function stackProps(config: ContextConfig): ResidualStackProps {
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  if (config.vpcId && (!account || !region)) {
    throw new InvalidPropsError("context", [
      "vpcId needs a concrete account and region (run with AWS credentials)",
    ]);
  }
  return {
    // Environment-agnostic unless an existing VPC must be looked up in a real account.
    env: config.vpcId ? { account, region } : undefined,
    description:
      "Residual: transfer learning with ResNets (dataset bucket, Batch GPU training, embeddings API)",
    bucket: { encryption: config.bucketEncryption },
    vpcId: config.vpcId,
    training: {
      instanceTypes: config.instanceTypes,
      spot: config.spot,
      maxVcpus: config.maxVcpus,
      maxExtract: config.maxExtractGiB !== undefined ? Size.gibibytes(config.maxExtractGiB) : undefined,
      // Only `false` changes anything: the cache is on by default.
      cudaCache: config.cudaCache === false ? false : undefined,
    },
    serving: {
      reservedConcurrency: config.reservedConcurrency,
      jwt: config.jwtIssuer ? { issuer: config.jwtIssuer, audience: config.jwtAudience ?? [] } : undefined,
    },
    seedBackbones: config.seedBackbones,
    alarmEmail: config.alarmEmail,
  };
}
