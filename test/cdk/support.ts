import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Network } from "../../cdk/lib/network.js";
import { ResidualBucket } from "../../cdk/lib/residual-bucket.js";
import { ResidualStack, type ResidualStackProps } from "../../cdk/lib/residual-stack.js";

/** A fresh app + stack per test: CDK construct trees are not reusable across cases. */
export function emptyStack(): Stack {
  return new Stack(new App(), "Test");
}

/** Builds one construct in a fresh stack and returns its template. */
export function templateOf(build: (stack: Stack) => unknown): Template {
  const stack = emptyStack();
  build(stack);
  return Template.fromStack(stack);
}

/** A whole ResidualStack in a fresh app. */
export function residualStack(
  props: ResidualStackProps = {},
  context: Record<string, unknown> = {},
): ResidualStack {
  return new ResidualStack(new App({ context }), "Residual", props);
}

/** The IAM statements of every inline policy attached to a role whose logical id starts with `rolePrefix`. */
export function statementsOfRole(template: Template, rolePrefix: string): Record<string, unknown>[] {
  const policies = template.findResources("AWS::IAM::Policy");
  const statements: Record<string, unknown>[] = [];
  for (const policy of Object.values(policies)) {
    const roles = JSON.stringify(policy.Properties.Roles);
    if (!roles.includes(`"${rolePrefix}`)) continue;
    statements.push(...(policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]));
  }
  return statements;
}

/** Flattens an `Fn::Join` resource into a readable string (`arn:${AWS::Partition}:s3:::${Bucket}/models/*`). */
export function flat(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(flat).join(",");
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    if ("Fn::Join" in v) {
      const [sep, parts] = v["Fn::Join"] as [string, unknown[]];
      return parts.map(flat).join(sep);
    }
    if ("Fn::GetAtt" in v) return `\${${(v["Fn::GetAtt"] as string[]).join(".")}}`;
    if ("Ref" in v) return `\${${v.Ref as string}}`;
  }
  return JSON.stringify(value);
}

/** Statement summaries `Sid: actions -> resources` for readable assertions. */
export function describeStatements(statements: Record<string, unknown>[]): string[] {
  return statements.map((s) => {
    const actions = ([] as unknown[]).concat(s.Action).join(",");
    const resources = ([] as unknown[]).concat(s.Resource).map(flat).join(" | ");
    return `${actions} -> ${resources}`;
  });
}

/**
 * The data bucket and network every training construct needs, in `stack`.
 * @example
 * const { data, net } = bucketAndNetwork(emptyStack());
 */
export function bucketAndNetwork(stack: Stack): { data: ResidualBucket; net: Network } {
  return { data: new ResidualBucket(stack, "Data"), net: new Network(stack, "Network") };
}
