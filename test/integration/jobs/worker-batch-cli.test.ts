/**
 * The AWS Batch entry point `residual worker --job <id>` and the `residual jobs` CLI, as real processes against
 * real S3 (moto): exit 0 for a job that succeeds (and again, with nothing to do, once it is done), 3 for a dataset
 * that can never train, 75 when the job is stopped (Spot reclaim: SIGTERM) and handed back for a retry.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { claimJob, type JobStatus, jobIdFor, readJobStatus, type S3ObjectStore } from "@residual/pipeline";
import { beforeAll, describe, expect, it } from "vitest";
import { awsCliEnv } from "../../support/aws.js";
import { BIN, runResidual } from "../../support/cli.js";
import { filesToZip, makeShapesDataset } from "../../support/images.js";
import { createJobStack, type JobInfra, shapesZip } from "../../support/job-infra.js";

const SPEC = { arch: "cifar_resnet20", imageSize: 32, batchSize: 8, seed: 2 };

const awsEnv = () => awsCliEnv(["RESIDUAL_STORE", "RESIDUAL_JOB_ID"]);

let infra: JobInfra;
let store: S3ObjectStore;

/** Upload `body` as `key` and claim its job, as the dispatcher Lambda does before it submits the Batch job. */
async function submitted(key: string, body: Buffer): Promise<string> {
  await infra.s3.send(new PutObjectCommand({ Bucket: infra.bucket, Key: key, Body: body }));
  const head = await store.head(key);
  const event = { bucket: infra.bucket, key, etag: head!.etag, kind: "archive" as const };
  const id = jobIdFor(event);
  await claimJob(store, id, event);
  return id;
}

const worker = (id: string) =>
  runResidual(["worker", "--job", id, "--store", `s3://${infra.bucket}`, "--heartbeat", "1"], awsEnv());

describe("residual worker --job <id> (AWS Batch) and residual jobs", () => {
  const ids: Record<"ok" | "bad" | "stopped", string> = { ok: "", bad: "", stopped: "" };

  beforeAll(async () => {
    ({ infra, store } = await createJobStack());
  });

  it("exits 0 when the job succeeds, and 0 again when it is already done", async () => {
    ids.ok = await submitted("datasets/good.zip", await shapesZip({ ...SPEC, epochs: 1 }, 6));
    const r = await worker(ids.ok);
    expect(r.code, r.stderr).toBe(0);
    const status = await readJobStatus(store, ids.ok);
    expect(status).toMatchObject({ state: "succeeded", attempts: 1 });
    expect(status.result?.model).toBe("good");
    const again = await worker(ids.ok);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("succeeded; nothing to do");
    expect((await readJobStatus(store, ids.ok)).attempts).toBe(1);
  });

  it("exits 3 for a permanent failure (a dataset with one class) and records it", async () => {
    const files = await makeShapesDataset({ classes: ["circle"], perClass: 6, width: 36, height: 36 });
    files.set("residual.json", Buffer.from(JSON.stringify({ ...SPEC, epochs: 1 })));
    ids.bad = await submitted("datasets/lonely.zip", filesToZip(files));
    const r = await worker(ids.bad);
    expect(r.code, r.stderr).toBe(3);
    const status = await readJobStatus(store, ids.bad);
    expect(status.state).toBe("failed");
    expect(status.error?.code).toMatch(/class/);
  });

  it("exits 75 when SIGTERM stops a running job, handing it back (queued) after a checkpoint", async () => {
    ids.stopped = await submitted("datasets/long.zip", await shapesZip({ ...SPEC, epochs: 40 }, 10));
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, "worker", "--job", ids.stopped, "--store", `s3://${infra.bucket}`, "--heartbeat", "1"],
      { env: { ...process.env, ...awsEnv() }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    const deadline = Date.now() + 120_000;
    let status: JobStatus | undefined;
    while (Date.now() < deadline) {
      status = await readJobStatus(store, ids.stopped);
      if (status.state === "running" && status.progress) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status?.progress, stderr).toBeDefined();
    child.kill("SIGTERM");
    expect(await exited, stderr).toBe(75);
    const after = await readJobStatus(store, ids.stopped);
    expect(after.state).toBe("queued");
    expect(after.attempts).toBe(1);
    const checkpoints = (await store.listPage(`jobs/${ids.stopped}/checkpoints/`)).objects;
    expect(checkpoints.length, stderr).toBeGreaterThan(0);
  });

  it("residual jobs lists them (text and --json) and shows one; an unknown id fails with its code", async () => {
    const env = awsEnv();
    const at = ["--store", `s3://${infra.bucket}`];
    const json = await runResidual(["jobs", ...at, "--json"], env);
    expect(json.code, json.stderr).toBe(0);
    const jobs = JSON.parse(json.stdout) as JobStatus[];
    const states = Object.fromEntries(jobs.map((j) => [j.id, j.state]));
    expect(states).toEqual({ [ids.ok]: "succeeded", [ids.bad]: "failed", [ids.stopped]: "queued" });
    const text = await runResidual(["jobs", "list", ...at], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${ids.ok}\\s+succeeded .* → good@`, "m"));
    expect(text.stdout).toMatch(new RegExp(`^${ids.bad}\\s+failed .*\\(`, "m"));
    const show = await runResidual(["jobs", "show", ids.ok, ...at, "--json"], env);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: ids.ok, state: "succeeded" });
    const missing = await runResidual(["jobs", "show", "nope-123", ...at], env);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining("[job_not_found]")]);
  });
});
