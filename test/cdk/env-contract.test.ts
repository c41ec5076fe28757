/**
 * The stack and the readers share one environment contract (`@residual/pipeline/config`): every variable a
 * deployed thing gets is one its process kind reads, and what the stack sets parses as that kind (so a reader
 * never needs a variable the stack does not set).
 */

import { loadConfig, type ProcessKind } from "@residual/pipeline";
import { ENV_VARS, type EnvName } from "@residual/pipeline/config";
import { CONTAINER_ENV } from "@residual/pipeline/testing";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { DEPLOYED_KINDS } from "../../cdk/lib/env-contract.js";
import { residualStack } from "./support.js";

/** Tokens (`Ref`, `Fn::GetAtt`) become placeholder strings: the test is about names and literal values. */
function concrete(vars: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(vars).map(([k, v]) => [k, typeof v === "string" ? v : `arn:aws:token:${k.toLowerCase()}`]),
  );
}

function expectContract(kind: ProcessKind, env: Record<string, string>, where: string): void {
  for (const name of Object.keys(env)) {
    expect(name in ENV_VARS, `${where}: ${name} is not in the contract`).toBe(true);
    expect(
      ENV_VARS[name as EnvName].kinds as readonly string[],
      `${where}: ${name} read by ${kind}`,
    ).toContain(kind);
  }
  expect(() => loadConfig(kind, env), where).not.toThrow();
}

describe("the environment contract", () => {
  const template = Template.fromStack(residualStack());

  it("every Lambda's environment is its process kind's, and parses as it", () => {
    const functions = Object.values(template.findResources("AWS::Lambda::Function")).filter(
      (f) => f.Properties.PackageType === "Image",
    );
    expect(functions.length).toBe(7);
    for (const f of functions) {
      const handler = (f.Properties.ImageConfig.Command[0] as string).replace(".handler", "");
      const kind = DEPLOYED_KINDS[handler as keyof typeof DEPLOYED_KINDS];
      expect(kind, handler).toBeDefined();
      expectContract(kind, concrete(f.Properties.Environment.Variables), handler);
    }
  });

  it("the trainer's environment, with what the dispatcher adds per job, parses as a worker", () => {
    const [definition] = Object.values(template.findResources("AWS::Batch::JobDefinition"));
    const vars = Object.fromEntries(
      (definition!.Properties.ContainerProperties.Environment as Array<{ Name: string; Value: unknown }>).map(
        (e) => [e.Name, e.Value],
      ),
    );
    const perJob = Object.fromEntries(CONTAINER_ENV.map((n) => [n, "x"]));
    expectContract(DEPLOYED_KINDS.trainer, concrete({ ...vars, ...perJob }), "trainer");
    const config = loadConfig("worker", concrete({ ...vars, ...perJob }));
    expect(config.backend.backend).toBe("tensorflow");
    expect(config.worker).toMatchObject({ jobId: "x", datasetKey: "x" });
  });

  it("reports every bad variable at once", () => {
    try {
      loadConfig("dispatcher", { RESIDUAL_JOB_QUEUE: "q" });
      expect.unreachable();
    } catch (err) {
      const names = (err as { issues: { path: string[] }[] }).issues.map((i) => i.path[0]);
      expect(names.sort()).toEqual(["RESIDUAL_BUCKET", "RESIDUAL_JOB_DEFINITION"]);
    }
  });
});
