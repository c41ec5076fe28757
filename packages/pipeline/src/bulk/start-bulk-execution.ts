/**
 * A bulk run on AWS: start an execution of the bulk state machine (the Distributed Map) with the run spec as
 * input, then follow it (DescribeExecution, and the map run's item counts for progress) until it ends.
 */
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { ResidualError } from "../errors.js";
import { mapAwsError } from "../store/aws-errors.js";
import type { BulkSpec } from "./bulk-spec.js";

/**
 * How an execution is started and followed.
 * @example
 * const options: BulkExecutionOptions = { stateMachineArn, pollMs: 5000, onProgress: (p) => draw(p) };
 */
export interface BulkExecutionOptions {
  stateMachineArn: string;
  /** A CSV or S3 Inventory manifest key in the data bucket, instead of listing `spec.prefix`. */
  manifestKey?: string;
  /** @default a client from the environment */
  client?: SFNClient;
  /** @default 5000 */
  pollMs?: number;
  /** Item counts of the map run, as Step Functions reports them. */
  onProgress?: (p: { images: number; total: number; failed: number }) => void;
}

/**
 * How an execution ended.
 * @example
 * const { status, executionArn }: BulkExecutionResult = await startBulkExecution(spec, options);
 */
export interface BulkExecutionResult {
  executionArn: string;
  status: string;
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);

async function mapRunProgress(client: SFNClient, executionArn: string, o: BulkExecutionOptions) {
  const runs = await client.send(new ListMapRunsCommand({ executionArn }));
  const mapRunArn = runs.mapRuns?.[0]?.mapRunArn;
  if (!mapRunArn || !o.onProgress) return;
  const run = await client.send(new DescribeMapRunCommand({ mapRunArn }));
  const c = run.itemCounts;
  if (c)
    o.onProgress({
      images: (c.succeeded ?? 0) + (c.failed ?? 0),
      total: c.total ?? 0,
      failed: c.failed ?? 0,
    });
}

/**
 * Start the state machine on `spec` and wait for the execution to end.
 * @throws ResidualError `bulk_execution_failed` when it ends other than SUCCEEDED.
 * @example
 * await startBulkExecution(spec, { stateMachineArn: config.serving.bulkStateMachine! });
 */
export async function startBulkExecution(
  spec: BulkSpec,
  o: BulkExecutionOptions,
): Promise<BulkExecutionResult> {
  const client = o.client ?? new SFNClient({});
  const input = {
    ...spec,
    model: spec.model ?? "",
    ...(o.manifestKey ? { manifestKey: o.manifestKey } : {}),
  };
  const name = `bulk-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let executionArn: string;
  try {
    const started = await client.send(
      new StartExecutionCommand({ stateMachineArn: o.stateMachineArn, name, input: JSON.stringify(input) }),
    );
    executionArn = started.executionArn ?? "";
  } catch (err) {
    throw mapAwsError(err, `StartExecution ${o.stateMachineArn}`);
  }
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    await mapRunProgress(client, executionArn, o).catch(() => undefined);
    const status = d.status ?? "RUNNING";
    if (status === "SUCCEEDED") return { executionArn, status };
    if (TERMINAL.has(status)) {
      throw new ResidualError(
        "bulk_execution_failed",
        `bulk execution ${executionArn} ended ${status}${d.error ? `: ${d.error} ${d.cause ?? ""}` : ""}`,
      );
    }
    await new Promise((ok) => setTimeout(ok, o.pollMs ?? 5000));
  }
}
