/**
 * Status writes are compare-and-swaps and owned by one attempt; publishing is idempotent per job id; the job log is
 * append-only across attempts. Real stores: the local directory store and S3 on moto.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  claimJob,
  type JobContext,
  type JobRunner,
  LocalObjectStore,
  type ObjectStore,
  publishModel,
  readJobStatus,
  runJob,
  TransientError,
} from "@residual/pipeline";
import { updateJobStatus } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";
import { createJobStack } from "../../support/job-infra.js";

const quiet = () => undefined;
const event = { bucket: "b", key: "datasets/flowers.zip", etag: "e1", kind: "archive" as const };
const localStore = async () => new LocalObjectStore(await mkdtemp(join(tmpdir(), "residual-races-")));

async function claimed(store: ObjectStore, id = "flowers-0000000000000001"): Promise<string> {
  await claimJob(store, id, event);
  return id;
}

describe("status.json compare-and-swap", () => {
  it("loses none of many concurrent updates (local store)", async () => {
    const store = await localStore();
    const id = await claimed(store);
    await Promise.all(
      Array.from({ length: 12 }, () => updateJobStatus(store, id, (s) => ({ attempts: s.attempts + 1 }))),
    );
    expect((await readJobStatus(store, id)).attempts).toBe(12);
  });

  it("a progress write that arrives after the hand-back leaves the job handed back (S3)", async () => {
    const { store } = await createJobStack();
    const id = await claimed(store);
    let ctx: JobContext | undefined;
    const runner: JobRunner = async (c) => {
      ctx = c;
      throw new TransientError("training_aborted", "stopped by SIGTERM");
    };
    expect(await runJob(id, { store, runner, log: quiet })).toBe("retry");
    await ctx?.reportProgress({ epoch: 3, epochs: 10 }); // the late write of the stopped loop
    const status = await readJobStatus(store, id);
    expect(status).toMatchObject({ state: "queued", error: { code: "training_aborted" } });
    expect(status.heartbeatAt).toBe(new Date(0).toISOString());
    expect(status.progress).toBeUndefined();
  });
});

describe("a job taken over while its first attempt is blocked", () => {
  it("ends succeeded with one version, and log.txt keeps both attempts' lines", async () => {
    const store = await localStore();
    const id = await claimed(store);
    const files = { "model.onnx": "onnx-bytes", "job.json": JSON.stringify({ jobId: id }) };
    const publish = () => publishModel(store, { name: "flowers", version: "v1", jobId: id, files });
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((r) => {
      release = r;
    });
    const first: JobRunner = async (c) => {
      c.log("first attempt training");
      await blocked; // the loop is blocked longer than the lease: no heartbeat reaches status.json
      await publish();
      c.log("first attempt published");
      return { model: "flowers", version: "v1" };
    };
    const second: JobRunner = async (c) => {
      c.log("second attempt training");
      await publish();
      return { model: "flowers", version: "v1" };
    };
    const opts = { store, log: quiet, heartbeatSeconds: 3600, leaseSeconds: 0.2 };
    const a = runJob(id, { ...opts, runner: first, workerId: "a" });
    await new Promise((r) => setTimeout(r, 400));
    expect(await runJob(id, { ...opts, runner: second, workerId: "b" })).toBe("succeeded");
    release();
    expect(await a).toBe("succeeded");
    const status = await readJobStatus(store, id);
    expect(status).toMatchObject({
      state: "succeeded",
      attempts: 2,
      result: { model: "flowers", version: "v1" },
    });
    expect((await store.get("models/flowers/latest")).toString()).toBe("v1");
    const log = (await store.get(`jobs/${id}/log.txt`)).toString();
    for (const line of [
      "attempt 1 on a",
      "first attempt training",
      "attempt 2 on b",
      "second attempt training",
    ])
      expect(log).toContain(line);
    expect(log).toContain("first attempt published");
  });

  it("still refuses to overwrite a version another job published", async () => {
    const store = await localStore();
    const files = { "model.onnx": "x", "job.json": JSON.stringify({ jobId: "other-job" }) };
    await publishModel(store, { name: "flowers", version: "v1", jobId: "other-job", files });
    await expect(
      publishModel(store, { name: "flowers", version: "v1", jobId: "mine", files }),
    ).rejects.toMatchObject({ code: "version_exists" });
  });
});
