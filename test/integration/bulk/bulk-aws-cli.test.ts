/**
 * `residual bulk embed s3://… --out s3://… --state-machine <arn>` as a real process against moto's Step Functions
 * and S3: the execution is started with the run spec as its input, a stopped execution fails the command with
 * `bulk_execution_failed` in one line, a succeeding one exits 0 with its ARN and the manifest's counts. moto runs
 * executions only with its `stepfunctions.execute_state_machine` switch (a Pass state then SUCCEEDS); the
 * succeeding case sets it and puts it back, since the switch swaps moto's whole Step Functions backend. moto 5.2
 * runs one such execution per server (a second StartExecution answers 500): the one other case that needs a
 * succeeding execution starts a moto server of its own.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { openObjectStore, parseBulkSpec, writeBulkManifest } from "@residual/pipeline";
import { beforeAll, describe, expect, it } from "vitest";
import { awsCliEnv, awsTestConfig, motoEndpoint, TEST_CREDENTIALS, uniqueName } from "../../support/aws.js";
import { runResidual } from "../../support/cli.js";

const PASS = JSON.stringify({ StartAt: "Run", States: { Run: { Type: "Pass", End: true } } });
const ROLE = "arn:aws:iam::123456789012:role/residual-bulk-test";

let bucket: string;
let sfn: SFNClient;

const awsEnv = () => awsCliEnv(["RESIDUAL_STORE", "RESIDUAL_BULK_STATE_MACHINE"]);

async function stateMachine(): Promise<string> {
  const name = uniqueName("bulk-sm");
  const r = await sfn.send(new CreateStateMachineCommand({ name, definition: PASS, roleArn: ROLE }));
  return r.stateMachineArn!;
}

/** moto's switch between executions that stay RUNNING (false) and executions that run their ASL (true). */
async function executeStateMachines(on: boolean): Promise<void> {
  const res = await fetch(`${motoEndpoint()}/moto-api/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ stepfunctions: { execute_state_machine: on } }),
  });
  expect(res.ok).toBe(true);
}

async function withExecutingMoto<T>(f: () => Promise<T>): Promise<T> {
  await executeStateMachines(true);
  try {
    return await f();
  } finally {
    await executeStateMachines(false);
  }
}

async function firstExecution(stateMachineArn: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    const arn = r.executions?.[0]?.executionArn;
    if (arn) return arn;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  throw new Error(`no execution of ${stateMachineArn} within ${timeoutMs} ms`);
}

const bulkArgs = (out: string, arn: string) => [
  "bulk",
  "embed",
  `s3://${bucket}/images`,
  "--model",
  "pets",
  "--out",
  out,
  "--state-machine",
  arn,
  "--poll-seconds",
  "0.2",
];

/** A moto server of this test's own (as test/setup/moto.ts starts the shared one). */
async function privateMoto(): Promise<{ url: string; stop: () => void }> {
  const port = await new Promise<number>((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => ok(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
  const child = spawn(
    process.env.RESIDUAL_MOTO_PYTHON ?? "python3",
    ["-m", "moto.server", "-H", "127.0.0.1", "-p", `${port}`],
    {
      stdio: "ignore",
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const up = await fetch(`${url}/moto-api/`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) return { url, stop: () => child.kill("SIGTERM") };
    await new Promise((ok) => setTimeout(ok, 150));
  }
  child.kill("SIGKILL");
  throw new Error(`private moto server did not answer on ${url}`);
}

beforeAll(async () => {
  bucket = uniqueName("bulk-aws");
  await new S3Client(awsTestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
  const { endpoint, region, credentials } = awsTestConfig();
  sfn = new SFNClient({ endpoint, region, credentials });
});

describe("residual bulk on Step Functions (moto)", () => {
  it("starts the execution with the run spec as input; a stopped execution fails the command in one line", async () => {
    const arn = await stateMachine();
    const out = `s3://${bucket}/bulk/stopped`;
    const cli = runResidual(bulkArgs(out, arn), awsEnv());
    const executionArn = await firstExecution(arn);
    const started = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(started.status).toBe("RUNNING");
    expect(JSON.parse(started.input ?? "{}")).toEqual({
      mode: "embed",
      model: "pets",
      source: `s3://${bucket}`,
      prefix: "images/",
      out,
      normalize: true,
      topK: 5,
      format: "jsonl",
      keyEncoding: "none",
    });
    // Several polls go by with no map run (moto lists none): nothing may be drawn for them.
    await new Promise((ok) => setTimeout(ok, 1500));
    await sfn.send(
      new StopExecutionCommand({ executionArn, error: "Operator", cause: "stopped by the test" }),
    );

    const r = await cli;
    expect(r.code).not.toBe(0);
    const failed = r.stderr.split("\n").filter((l) => l.includes("bulk_execution_failed"));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain(executionArn);
    expect(failed[0]).toMatch(/ended ABORTED/);
    // Its own lines only (the SDK may add a Node version warning): the execution started, then the failure.
    const own = r.stderr.split("\n").filter((l) => /^(bulk |residual: )/.test(l));
    expect(own).toEqual([`bulk embed: execution ${executionArn}`, failed[0]]);
    expect(r.stdout).toBe("");
  });

  it("a succeeding execution exits 0 and prints its ARN with the manifest's counts", async () => {
    const out = `s3://${bucket}/bulk/done`;
    // What the state machine's last Lambda leaves: one part summary aggregated into `_SUCCESS`.
    const { endpoint, region, credentials } = awsTestConfig();
    const outStore = openObjectStore(out, { endpoint, region, credentials });
    const summary = { part: "part-0.jsonl", model: "pets", version: "v1", input: 3, done: 2 };
    await outStore.put(
      "_parts/part-0.json",
      JSON.stringify({
        ...summary,
        failed: [{ key: "images/x.jpg", code: "image_truncated", reason: "cut" }],
      }),
    );
    const spec = parseBulkSpec({
      mode: "embed",
      model: "pets",
      source: `s3://${bucket}`,
      prefix: "images/",
      out,
    });
    await writeBulkManifest(outStore, spec);

    const { r, arn } = await withExecutingMoto(async () => {
      const arn = await stateMachine();
      return { r: await runResidual(bulkArgs(out, arn), awsEnv()), arn };
    });
    expect(r.stderr).not.toMatch(/residual: error/);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { executionArn: string; counts: unknown; parts: number };
    expect(printed.executionArn).toMatch(/^arn:aws:states:us-east-1:\d+:execution:/);
    expect(printed.executionArn.split(":").slice(-2, -1)[0]).toBe(arn.split(":").at(-1));
    expect(printed).toMatchObject({ parts: 1, counts: { input: 3, done: 2, failed: 1 } });
    expect(r.stderr).toContain(`execution ${printed.executionArn} succeeded`);
  });

  it("an execution that succeeds without writing _SUCCESS fails the command clearly (a moto of its own)", async () => {
    // moto runs one execution per server: this case gets a second server, with the switch on from the start.
    const own = await privateMoto();
    try {
      const cfg = { endpoint: own.url, region: "us-east-1", credentials: TEST_CREDENTIALS };
      await new S3Client({ ...cfg, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket }));
      const res = await fetch(`${own.url}/moto-api/config`, {
        method: "POST",
        body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
      });
      expect(res.ok).toBe(true);
      const client = new SFNClient(cfg);
      const { stateMachineArn } = await client.send(
        new CreateStateMachineCommand({ name: "bulk", definition: PASS, roleArn: ROLE }),
      );
      const r = await runResidual(bulkArgs(`s3://${bucket}/bulk/empty`, stateMachineArn!), {
        ...awsEnv(),
        AWS_ENDPOINT_URL: own.url,
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/succeeded\n/);
      expect(r.stderr).toMatch(/\[bulk_manifest_missing\].*wrote no _SUCCESS under s3:\/\/.*\/bulk\/empty/);
    } finally {
      own.stop();
    }
  });

  it("a state machine that does not exist fails with its own code", async () => {
    const missing = "arn:aws:states:us-east-1:123456789012:stateMachine:no-such-machine";
    const r = await runResidual(bulkArgs(`s3://${bucket}/bulk/none`, missing), awsEnv());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\[bulk_state_machine_not_found\].*no-such-machine/);
  });

  it("--state-machine with a directory input is refused", async () => {
    const r = await runResidual(
      bulkArgs(`s3://${bucket}/bulk/x`, "arn:aws:states:::x").with(2, "./images"),
      awsEnv(),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\[invalid_options\].*--state-machine needs an s3:\/\/ input/);
  });
});
