import { Duration } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { Bulk, type BulkProps } from "../../cdk/lib/bulk.js";
import { ResidualBucket } from "../../cdk/lib/residual-bucket.js";
import { describeStatements, emptyStack, flat, statementsOfRole } from "./support.js";

function bulkTemplate(props: Partial<BulkProps> = {}): Template {
  const stack = emptyStack();
  const data = new ResidualBucket(stack, "Data");
  new Bulk(stack, "Bulk", { bucket: data.bucket, ...props });
  return Template.fromStack(stack);
}

/** The state machine's ASL, tokens flattened to `${…}` strings. */
function definition(template: Template): { States: Record<string, Record<string, unknown>> } {
  const [machine] = Object.values(template.findResources("AWS::StepFunctions::StateMachine"));
  return JSON.parse(flat(machine!.Properties.DefinitionString)) as {
    States: Record<string, Record<string, unknown>>;
  };
}

describe("Bulk", () => {
  it("lists a prefix into a Distributed Map with a batcher, a result writer and the props' limits", () => {
    const states = definition(
      bulkTemplate({ maxConcurrency: 500, itemsPerBatch: 128, toleratedFailurePercentage: 2 }),
    ).States;
    const map = states.EachPrefixBatch!;
    expect(map).toMatchObject({
      Type: "Map",
      MaxConcurrency: 500,
      ToleratedFailurePercentage: 2,
      ItemReader: {
        Resource: expect.stringContaining(":states:::s3:listObjectsV2"),
        Parameters: { Bucket: expect.stringMatching(/^\$\{DataBucket/), "Prefix.$": "$.prefix" },
      },
      ItemBatcher: {
        MaxItemsPerBatch: 128,
        BatchInput: {
          "mode.$": "$.mode",
          "model.$": "$.model",
          "source.$": "$.source",
          "out.$": "$.out",
          "format.$": "$.format",
          keyEncoding: "none",
        },
      },
      ResultWriter: {
        Resource: expect.stringContaining(":states:::s3:putObject"),
        Parameters: { Prefix: "bulk/_map-results" },
      },
      ItemProcessor: { ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "EXPRESS" } },
      Next: "WriteManifest",
    });
    const processor = map.ItemProcessor as { States: Record<string, { Resource: string; Retry: unknown[] }> };
    expect(Object.values(processor.States)[0]!.Resource).toMatch(/lambda:invoke|BulkBatchFunction/);
    expect(JSON.stringify(processor.States)).toContain('"TransientError"');
    expect(states.WriteManifest).toMatchObject({ Type: "Task", Next: "Done" });
  });

  it("reads CSV and S3 Inventory manifests when the input names one", () => {
    const states = definition(bulkTemplate()).States;
    expect(states.ListingOrManifest).toMatchObject({
      Type: "Choice",
      Choices: [{ Variable: "$.manifestKey", IsPresent: true, Next: "ManifestKind" }],
      Default: "EachPrefixBatch",
    });
    expect(states.EachCsvBatch!.ItemReader).toMatchObject({
      Resource: expect.stringContaining(":states:::s3:getObject"),
      ReaderConfig: { InputType: "CSV", CSVHeaderLocation: "FIRST_ROW" },
      Parameters: { "Key.$": "$.manifestKey" },
    });
    expect(states.EachInventoryBatch!.ItemReader).toMatchObject({ ReaderConfig: { InputType: "MANIFEST" } });
    // Inventory CSVs list URL-encoded keys; plain CSVs do not.
    expect(states.EachInventoryBatch!.ItemBatcher).toMatchObject({ BatchInput: { keyEncoding: "url" } });
    expect(states.EachCsvBatch!.ItemBatcher).toMatchObject({ BatchInput: { keyEncoding: "none" } });
  });

  it("runs batches on the shared Lambda image with the serving environment, and logs and traces the state machine", () => {
    const template = bulkTemplate({ memorySize: 4096, batchTimeout: Duration.minutes(3) });
    template.hasResourceProperties("AWS::Lambda::Function", {
      PackageType: "Image",
      MemorySize: 4096,
      Timeout: 180,
      ImageConfig: { Command: ["bulk.handler"] },
      Environment: { Variables: Match.objectLike({ RESIDUAL_ORT_THREAD: "main" }) },
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      ImageConfig: { Command: ["bulk-manifest.handler"] },
    });
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      StateMachineType: "STANDARD",
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: "ALL" }),
    });
  });

  it("grants each role only its prefixes", () => {
    const template = bulkTemplate({ inputPrefixes: ["photos/", "archive/2024/"] });
    const batch = describeStatements(statementsOfRole(template, "BulkBatchRole"));
    expect(batch).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^s3:GetObject -> .*\/models\/\* \| .*\/backbones\/\* \| .*\/photos\/\* \| .*\/archive\/2024\/\* \| .*\/bulk\/\*$/,
        ),
        expect.stringMatching(/^s3:PutObject,s3:PutObjectTagging,s3:AbortMultipartUpload -> .*\/bulk\/\*$/),
      ]),
    );
    expect(batch.join("\n")).not.toMatch(/datasets|jobs\//);
    const manifest = describeStatements(statementsOfRole(template, "BulkManifestRole"));
    expect(manifest.filter((s) => s.startsWith("s3:")).join("\n")).not.toMatch(/models|photos/);
    const machine = describeStatements(statementsOfRole(template, "BulkStateMachineRole")).join("\n");
    expect(machine).toMatch(/s3:GetObject -> .*\/photos\/\* \| .*\/archive\/2024\/\*/);
    expect(machine).toMatch(/s3:PutObject,.* -> .*\/bulk\/_map-results\/\*/);
    expect(machine).toMatch(/s3:ListBucket -> \$\{DataBucket/);
    expect(machine).not.toMatch(/s3:::\$\{DataBucket[^}]*\}\/\*|GetObject\*|s3:\*/);
  });

  it("rejects every bad prop at once, before building anything", () => {
    const stack = emptyStack();
    const data = new ResidualBucket(stack, "Data");
    expect(
      () =>
        new Bulk(stack, "Bulk", {
          bucket: data.bucket,
          maxConcurrency: 20_000,
          itemsPerBatch: 0,
          toleratedFailurePercentage: 101,
          inputPrefixes: ["images", "bulk/in/"],
        }),
    ).toThrow(
      /maxConcurrency[\s\S]*itemsPerBatch[\s\S]*toleratedFailurePercentage[\s\S]*images[\s\S]*bulk\//,
    );
    expect(stack.node.tryFindChild("Bulk")).toBeUndefined();
  });
});
