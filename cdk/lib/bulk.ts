import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import { grantBulkBatch, grantBulkManifest } from "./bucket-access.js";
import { ENV } from "./env-contract.js";
import { assertNoProblems, checkIntegerRange } from "./invalid-props-error.js";
import { BUCKET_PREFIXES } from "./residual-bucket.js";
import { type HandlerName, ResidualFunction } from "./residual-function.js";

export interface BulkProps {
  /** The data bucket: models are read from it, images under `inputPrefixes`, output goes to `bulk/`. */
  readonly bucket: s3.IBucket;
  /**
   * Prefixes of the bucket a run may read images (and CSV/inventory manifests) from; the IAM grants name them.
   * @default ["images/"]
   */
  readonly inputPrefixes?: readonly string[];
  /**
   * Child executions (batches) running at once; Distributed Map allows up to 10,000.
   * @default 100
   */
  readonly maxConcurrency?: number;
  /**
   * Images per batch (ItemBatcher `MaxItemsPerBatch`): one Lambda invocation and one output part each.
   * @default 64
   */
  readonly itemsPerBatch?: number;
  /**
   * Failed batches (in percent) the map tolerates before the run fails; bad images never fail a batch.
   * @default 5
   */
  readonly toleratedFailurePercentage?: number;
  /**
   * Memory of the batch Lambda (vCPUs scale with it: 1,769 MB is one vCPU, 10,240 MB six).
   * @default 3008
   */
  readonly memorySize?: number;
  /**
   * Timeout of the batch Lambda; an EXPRESS child execution lasts at most 5 minutes.
   * @default Duration.minutes(4)
   */
  readonly batchTimeout?: Duration;
  /**
   * Image code per handler.
   * @default the shared Lambda image
   */
  readonly code?: (handler: HandlerName) => lambda.DockerImageCode;
}

const DEFAULT_INPUT = ["images/"];

/** The execution input fields each batch gets as its ItemBatcher `BatchInput`. */
const SPEC_FIELDS = ["mode", "model", "source", "prefix", "out", "normalize", "topK", "format"] as const;

/**
 * Bulk embedding/classification: a Step Functions state machine whose Distributed Map lists a prefix
 * (S3ObjectsItemReader) or reads a CSV / S3 Inventory manifest, batches the keys (ItemBatcher), runs each batch on
 * a Lambda of the serving image (the serving core, ONNX Runtime) and writes its results (ResultWriter); a last
 * Lambda writes the run's `_SUCCESS` manifest. Input: `{ mode, model, source, prefix, out, normalize, topK,
 * format, manifestKey? }` (what `residual bulk` sends; every field but `manifestKey` is required).
 *
 * @example
 * const bulk = new Bulk(this, "Bulk", { bucket, maxConcurrency: 500, itemsPerBatch: 128 });
 * bulk.stateMachine.stateMachineArn;
 */
export class Bulk extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly batchFunction: lambda.IFunction;
  public readonly manifestFunction: lambda.IFunction;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BulkProps) {
    validate(props);
    super(scope, id);
    const inputPrefixes = props.inputPrefixes ?? DEFAULT_INPUT;
    const batch = new ResidualFunction(this, "Batch", {
      handler: "bulk",
      code: props.code?.("bulk"),
      memorySize: props.memorySize ?? 3008,
      timeout: props.batchTimeout ?? Duration.minutes(4),
      environment: { [ENV.bucket]: props.bucket.bucketName, [ENV.ortThread]: "main" },
    });
    grantBulkBatch(batch.role, props.bucket, inputPrefixes);
    const manifest = new ResidualFunction(this, "Manifest", {
      handler: "bulk-manifest",
      code: props.code?.("bulk-manifest"),
      memorySize: 1024,
      timeout: Duration.minutes(10),
      environment: { [ENV.bucket]: props.bucket.bucketName },
    });
    grantBulkManifest(manifest.role, props.bucket);
    this.batchFunction = batch.function;
    this.manifestFunction = manifest.function;
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const write = new tasks.LambdaInvoke(this, "WriteManifest", {
      lambdaFunction: manifest.function,
      payload: sfn.TaskInput.fromJsonPathAt("$"),
      payloadResponseOnly: true,
    }).next(new sfn.Succeed(this, "Done"));
    const mapOf = (name: string, itemReader: sfn.IItemReader, keys: "none" | "url" = "none") =>
      this.map(name, itemReader, props, keys).next(write);
    const fromManifest = new sfn.Choice(this, "ManifestKind")
      .when(
        sfn.Condition.stringMatches("$.manifestKey", "*.json"),
        mapOf("EachInventoryBatch", this.manifestReader(props, true), "url"),
      )
      .otherwise(mapOf("EachCsvBatch", this.manifestReader(props, false)));
    const definition = new sfn.Choice(this, "ListingOrManifest")
      .when(sfn.Condition.isPresent("$.manifestKey"), fromManifest)
      .otherwise(
        mapOf(
          "EachPrefixBatch",
          new sfn.S3ObjectsItemReader({ bucket: props.bucket, prefix: sfn.JsonPath.stringAt("$.prefix") }),
        ),
      );
    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: "Residual bulk embedding/classification",
    });
  }

  /** A CSV (header row with `Key`) or S3 Inventory `manifest.json` in the data bucket, under an input prefix. */
  private manifestReader(props: BulkProps, inventory: boolean): sfn.IItemReader {
    const options = { bucket: props.bucket, key: sfn.JsonPath.stringAt("$.manifestKey") };
    const reader = inventory
      ? new sfn.S3ManifestItemReader(options)
      : new sfn.S3CsvItemReader({ ...options, csvHeaders: sfn.CsvHeaders.useFirstRow() });
    // The readers grant GetObject on the whole bucket; a manifest may only be read under an input prefix.
    const resources = (props.inputPrefixes ?? DEFAULT_INPUT).map((p) => props.bucket.arnForObjects(`${p}*`));
    reader.providePolicyStatements = () => [
      new iam.PolicyStatement({ actions: ["s3:GetObject"], resources }),
    ];
    return reader;
  }

  /** The Distributed Map's own result files, under `bulk/_map-results/` only (CDK's grant is bucket-wide). */
  private resultWriter(props: BulkProps): sfn.ResultWriter {
    const prefix = `${BUCKET_PREFIXES.bulk}_map-results`;
    const writer = new sfn.ResultWriter({ bucket: props.bucket, prefix });
    const actions = [
      "s3:PutObject",
      "s3:GetObject",
      "s3:ListMultipartUploadParts",
      "s3:AbortMultipartUpload",
    ];
    const resources = [props.bucket.arnForObjects(`${prefix}/*`)];
    writer.providePolicyStatements = () => [new iam.PolicyStatement({ actions, resources })];
    return writer;
  }

  private map(
    id: string,
    itemReader: sfn.IItemReader,
    props: BulkProps,
    keyEncoding: "none" | "url",
  ): sfn.DistributedMap {
    // ItemBatcher renders BatchInput as given: the `.$` suffix makes each field a path into the execution input.
    // An S3 Inventory CSV lists its keys URL-encoded: the batch decodes them (`keyEncoding`), whatever the input says.
    const batchInput = {
      ...Object.fromEntries(SPEC_FIELDS.map((f) => [`${f}.$`, `$.${f}`])),
      keyEncoding,
    };
    const map = new sfn.DistributedMap(this, id, {
      itemReader,
      itemBatcher: new sfn.ItemBatcher({ maxItemsPerBatch: props.itemsPerBatch ?? 64, batchInput }),
      resultWriter: this.resultWriter(props),
      maxConcurrency: props.maxConcurrency ?? 100,
      toleratedFailurePercentage: props.toleratedFailurePercentage ?? 5,
      mapExecutionType: sfn.StateMachineType.EXPRESS,
      resultPath: sfn.JsonPath.DISCARD,
    });
    const run = new tasks.LambdaInvoke(this, `${id}Run`, {
      lambdaFunction: this.batchFunction,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    // Transient S3 trouble fails a batch; a retry finds the parts already written and skips them.
    run.addRetry({
      errors: ["TransientError"],
      maxAttempts: 3,
      backoffRate: 2,
      interval: Duration.seconds(5),
    });
    map.itemProcessor(run);
    return map;
  }
}

function validate(props: BulkProps): void {
  const problems: string[] = [];
  checkIntegerRange(problems, "maxConcurrency", props.maxConcurrency, 1, 10_000);
  checkIntegerRange(problems, "itemsPerBatch", props.itemsPerBatch, 1, 10_000);
  checkIntegerRange(problems, "toleratedFailurePercentage", props.toleratedFailurePercentage, 0, 100);
  checkIntegerRange(problems, "memorySize", props.memorySize, 128, 10_240);
  checkIntegerRange(problems, "batchTimeout (seconds)", props.batchTimeout?.toSeconds(), 1, 300);
  for (const p of props.inputPrefixes ?? []) {
    if (!/^[^/*][^*]*\/$/.test(p))
      problems.push(`inputPrefixes: ${JSON.stringify(p)} must end with "/" and hold no "*"`);
  }
  if (props.inputPrefixes?.some((p) => p.startsWith(BUCKET_PREFIXES.bulk))) {
    problems.push(`inputPrefixes must not lie under ${BUCKET_PREFIXES.bulk} (the output)`);
  }
  assertNoProblems("Bulk props", problems);
}
