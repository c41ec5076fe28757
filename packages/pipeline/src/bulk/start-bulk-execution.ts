/**
 * A bulk run on AWS: start an execution of the bulk state machine (the Distributed Map) with the run spec as
 * input, then follow it (DescribeExecution, and the map run's item counts for progress) until it ends.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { InvalidInputError, ResidualError } from "../errors.js";
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
  /** Item counts of the map run, as Step Functions reports them: called when they change, never before it has items. */
  onProgress?: (p: { images: number; total: number; failed: number }) => void;
  /** Called once the execution is started, before it is followed. */
  onStarted?: (executionArn: string) => void;
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

type Progress = { images: number; total: number; failed: number };

/** The map run's item counts, once Step Functions has a map run with items (none before the map state starts). */
async function mapRunProgress(client: SFNClient, executionArn: string): Promise<Progress | undefined> {
  const runs = await client.send(new ListMapRunsCommand({ executionArn }));
  const mapRunArn = runs.mapRuns?.[0]?.mapRunArn;
  if (!mapRunArn) return undefined;
  const c = (await client.send(new DescribeMapRunCommand({ mapRunArn }))).itemCounts;
  if (!c?.total) return undefined;
  return { images: (c.succeeded ?? 0) + (c.failed ?? 0), total: c.total, failed: c.failed ?? 0 };
}

/** StartExecution's refusals that are the caller's mistake (a wrong or missing ARN), with a code of their own. */
function startError(err: unknown, arn: string): ResidualError {
  const name = (err as { name?: string } | undefined)?.name ?? "";
  if (name === "StateMachineDoesNotExist" || name === "InvalidArn") {
    return new InvalidInputError(
      "bulk_state_machine_not_found",
      `bulk: no state machine ${JSON.stringify(arn)} (${name}); pass the bulk stack's state machine ARN with --state-machine or $RESIDUAL_BULK_STATE_MACHINE`,
      { cause: err },
    );
  }
  return mapAwsError(err, `StartExecution ${arn}`);
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
    throw startError(err, o.stateMachineArn);
  }
  o.onStarted?.(executionArn);
  let shown = "";
  for (;;) {
    let d: DescribeExecutionCommandOutput;
    try {
      d = await client.send(new DescribeExecutionCommand({ executionArn }));
    } catch (err) {
      throw mapAwsError(err, `DescribeExecution ${executionArn}`);
    }
    // Progress is best effort: a map run that is not there yet (or a refused ListMapRuns) draws nothing.
    const p = o.onProgress ? await mapRunProgress(client, executionArn).catch(() => undefined) : undefined;
    if (p && JSON.stringify(p) !== shown) {
      shown = JSON.stringify(p);
      o.onProgress?.(p);
    }
    const status = d.status ?? "RUNNING";
    if (status === "SUCCEEDED") return { executionArn, status };
    if (TERMINAL.has(status)) {
      const why = [d.error, d.cause].filter((x) => x).join(": ");
      throw new ResidualError(
        "bulk_execution_failed",
        `bulk execution ${executionArn} ended ${status}${why ? ` (${why.replace(/\s+/g, " ")})` : ""}`,
      );
    }
    await new Promise((ok) => setTimeout(ok, o.pollMs ?? 5000));
  }
}
