/**
 * `cdk deploy` seeds the default backbone: a `Custom::ResidualBackbones` resource backed by the seeding Lambda,
 * with the tags in its properties (a new list is an Update), none with `-c seedBackbones=none`, unknown tags
 * rejected at synth, and a role that only touches `backbones/`.
 */
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { InvalidPropsError } from "../../cdk/lib/invalid-props-error.js";
import { buildApp } from "../../cdk/lib/residual-app.js";
import { describeStatements, statementsOfRole } from "./support.js";

const seedFunctions = (template: Template) =>
  Object.values(template.findResources("AWS::Lambda::Function")).filter(
    (f) => f.Properties.ImageConfig?.Command?.[0] === "seed-backbones.handler",
  );

describe("backbone seeding", () => {
  it("seeds the default backbone by default, with a 15-minute function and room in /tmp", () => {
    const template = Template.fromStack(buildApp(new App()));
    const resources = Object.values(template.findResources("Custom::ResidualBackbones"));
    expect(resources).toHaveLength(1);
    expect(resources[0]!.Properties.Tags).toEqual(["resnet50.tv2_in1k"]);
    const [fn] = seedFunctions(template);
    expect(fn).toBeDefined();
    expect(fn!.Properties).toMatchObject({
      Timeout: 900,
      MemorySize: 3008,
      EphemeralStorage: { Size: 2048 },
    });
    // Outside the VPC: the function reaches Hugging Face without the NAT gateway.
    expect(fn!.Properties.VpcConfig).toBeUndefined();
    expect(resources[0]!.Properties.ServiceToken).toEqual({
      "Fn::GetAtt": [expect.stringMatching(/^BackbonesSeedFunction/), "Arn"],
    });
    expect(resources[0]!.Properties.ServiceTimeout).toBe("1020");
    expect(template.findOutputs("SeededBackbones").SeededBackbones?.Value).toBe("resnet50.tv2_in1k");
  });

  it("takes a list of tags from context (bare archs become their default tag) and none skips it", () => {
    const listed = Template.fromStack(
      buildApp(new App({ context: { seedBackbones: "resnet18.tv_in1k, resnet50,resnet18.tv_in1k" } })),
    );
    const [resource] = Object.values(listed.findResources("Custom::ResidualBackbones"));
    expect(resource!.Properties.Tags).toEqual(["resnet18.tv_in1k", "resnet50.tv_in1k"]);

    const none = Template.fromStack(buildApp(new App({ context: { seedBackbones: "none" } })));
    none.resourceCountIs("Custom::ResidualBackbones", 0);
    expect(seedFunctions(none)).toEqual([]);
    expect(none.findOutputs("SeededBackbones")).toEqual({});
  });

  it("fails synth on an unknown tag, naming it and what exists", () => {
    const bad = () => buildApp(new App({ context: { seedBackbones: "resnet50.tv2_in1k,resnet9.foo" } }));
    expect(bad).toThrow(InvalidPropsError);
    expect(bad).toThrow(
      /^Invalid BackboneSeed props: seedBackbones: unknown pretrained weights 'resnet9\.foo'; known: .*resnet50\.tv2_in1k/,
    );
    expect(() => buildApp(new App({ context: { seedBackbones: "" } }))).toThrow(
      "Invalid context: seedBackbones: give arch.tags, or none to skip seeding",
    );
  });

  it("lets the seeding role read and write backbones/ only", () => {
    const template = Template.fromStack(buildApp(new App()));
    const statements = describeStatements(statementsOfRole(template, "BackbonesSeedRole"));
    const s3 = statements
      .filter((s) => s.startsWith("s3:"))
      .map((s) => s.replace(/\$\{DataBucket[0-9A-F]{8}\.Arn\}/g, "<bucket>"));
    expect(s3.sort()).toEqual([
      "s3:GetObject -> <bucket>/backbones/*",
      "s3:ListBucket -> <bucket>",
      "s3:PutObject,s3:AbortMultipartUpload -> <bucket>/backbones/*",
    ]);
    // Nothing but its own logs besides.
    expect(statements.filter((s) => !s.startsWith("s3:")).every((s) => s.startsWith("logs:"))).toBe(true);
  });

  it("passes cdk-nag, with and without the seeding", () => {
    for (const context of [{}, { seedBackbones: "resnet18,resnet34.tv_in1k" }]) {
      const app = new App({ context });
      buildApp(app);
      const report = new AwsSolutionsChecks(app).validateScope(app);
      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    }
  });
});
