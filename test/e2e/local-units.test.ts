/**
 * The local mode's pure pieces: mode resolution, environment knobs, the banner, the progress line, the dataset
 * generator's determinism, and the worker loop's release of an interrupted message (on a real LocalQueue).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type JobRunner,
  LocalObjectStore,
  LocalQueue,
  loadConfig,
  resolveMode,
  TransientError,
} from "@residual/pipeline";
import {
  progressLine,
  runWorkerLoop,
  shapesDatasetFiles,
  startBanner,
  withTerminalProgress,
} from "@residual/pipeline/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "residual-local-units-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("resolveMode", () => {
  it("is local by default, with the queue in a dot folder of the home", () => {
    const m = resolveMode({ home: "/srv/r" }, loadConfig("local", {}));
    expect(m).toMatchObject({ kind: "local", home: "/srv/r", queueUrl: "file:///srv/r/.queue" });
  });

  it("needs a bucket or queue besides credentials to switch to AWS", () => {
    expect(resolveMode({}, loadConfig("local", { AWS_ACCESS_KEY_ID: "x" })).kind).toBe("local");
    const env = {
      AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
      RESIDUAL_BUCKET: "b1",
      RESIDUAL_QUEUE_URL: "http://q/1/j",
    };
    expect(resolveMode({}, loadConfig("local", env))).toMatchObject({
      kind: "aws",
      store: "s3://b1",
      bucket: "b1",
      queueUrl: "http://q/1/j",
    });
    expect(resolveMode({ local: true }, loadConfig("local", env)).kind).toBe("local");
  });

  it("names every missing AWS setting", () => {
    expect(() => resolveMode({ aws: true }, loadConfig("local", {}))).toThrow(/--bucket.*and --queue-url/);
    expect(() => resolveMode({ aws: true, home: "x", bucket: "b" }, loadConfig("local", {}))).toThrow(
      /--home/,
    );
  });
});

const localSettings = (env: Record<string, string>) => loadConfig("local", env).local;

describe('the local pipeline\'s settings (loadConfig("local").local)', () => {
  it("has short defaults and reads overrides", () => {
    expect(localSettings({})).toMatchObject({ visibilitySeconds: 30, heartbeatSeconds: 5, leaseSeconds: 15 });
    expect(localSettings({ RESIDUAL_LEASE_SECONDS: "3", RESIDUAL_VISIBILITY_SECONDS: "" })).toMatchObject({
      leaseSeconds: 3,
      visibilitySeconds: 30,
    });
  });

  it("reports every bad variable at once", () => {
    try {
      localSettings({ RESIDUAL_LEASE_SECONDS: "soon", RESIDUAL_HEARTBEAT_SECONDS: "0" });
      expect.unreachable();
    } catch (err) {
      const issues = (err as { issues: { path: string[] }[] }).issues.map((i) => i.path[0]);
      expect(issues.sort()).toEqual(["RESIDUAL_HEARTBEAT_SECONDS", "RESIDUAL_LEASE_SECONDS"]);
    }
  });
});

describe("startBanner", () => {
  it("starts with the parseable ready line and tells how to reach a non-default home", () => {
    const lines = startBanner(
      "http://127.0.0.1:9",
      resolveMode({ home: "/w/other" }, loadConfig("local", {})),
      "/w",
    );
    expect(lines[0]).toBe("residual: pipeline ready on http://127.0.0.1:9");
    expect(lines.join("\n")).toContain("residual upload ./my-dataset --store other");
    const plain = startBanner(
      "http://h:1",
      resolveMode({ home: "/w/.residual" }, loadConfig("local", {})),
      "/w",
    ).join("\n");
    expect(plain).not.toContain("--store");
    expect(plain).toContain("curl http://h:1/v1/models");
  });
});

describe("progress", () => {
  it("draws a bar from a job's progress report", () => {
    const line = progressLine(
      "j-1",
      { epoch: 2, epochs: 4, step: 5, steps: 10, etaSeconds: 75, metrics: { loss: 0.5 } },
      10,
    );
    expect(line).toBe("j-1 epoch 2/4 [#####-----] 5/10 loss 0.5000 ETA 1m15s");
  });

  it("keeps non-finite metrics out of status reports, drawing only on a TTY", async () => {
    const reports: unknown[] = [];
    let drawn = "";
    const inner: JobRunner = async (ctx) => {
      await ctx.reportProgress({
        epoch: 1,
        epochs: 1,
        step: 1,
        steps: 2,
        metrics: { loss: Number.NaN, lr: 0.1 },
      });
      return { model: "m", version: "v" };
    };
    const ctx = {
      id: "j",
      log: () => undefined,
      reportProgress: async (p: unknown) => {
        reports.push(p);
      },
    } as unknown as Parameters<JobRunner>[0];
    await withTerminalProgress(inner, { write: (s: string) => (drawn += s) }, false)(ctx);
    expect(drawn).toBe("");
    await withTerminalProgress(inner, { write: (s: string) => (drawn += s) }, true)(ctx);
    expect(drawn).toContain("j epoch 1/1 [");
    expect(reports).toEqual([
      { epoch: 1, epochs: 1, step: 1, steps: 2, metrics: { lr: 0.1 } },
      { epoch: 1, epochs: 1, step: 1, steps: 2, metrics: { lr: 0.1 } },
    ]);
  });
});

describe("shapesDatasetFiles", () => {
  it("is deterministic per seed and differs across seeds", async () => {
    const [a, b, c] = await Promise.all([
      shapesDatasetFiles({ classes: 2, perClass: 3, seed: 1 }),
      shapesDatasetFiles({ classes: 2, perClass: 3, seed: 1 }),
      shapesDatasetFiles({ classes: 2, perClass: 3, seed: 2 }),
    ]);
    expect([...a.keys()]).toEqual([
      "red-circle/000.png",
      "red-circle/001.png",
      "red-circle/002.png",
      "blue-square/000.png",
      "blue-square/001.png",
      "blue-square/002.png",
    ]);
    for (const [k, v] of a) expect(v.equals(b.get(k)!)).toBe(true);
    expect(a.get("red-circle/000.png")!.equals(c.get("red-circle/000.png")!)).toBe(false);
  });
});

describe("runWorkerLoop", () => {
  it("releases the message of a job interrupted by shutdown, so the next start takes it at once", async () => {
    const store = new LocalObjectStore(join(dir, "bucket"));
    const queue = new LocalQueue(join(dir, "bucket", ".queue"));
    await queue.send(
      JSON.stringify({ type: "dataset.uploaded", bucket: "local", key: "datasets/x.zip", etag: "e1" }),
    );
    const ctl = new AbortController();
    const runner: JobRunner = async (ctx) => {
      ctl.abort(); // as SIGINT would, mid-job
      throw new TransientError("training_aborted", `aborted ${ctx.id}`);
    };
    const handled = await runWorkerLoop(queue, {
      store,
      runner,
      signal: ctl.signal,
      visibilityTimeout: 600,
      log: () => undefined,
    });
    expect(handled).toBe(1);
    const again = await queue.receive({ waitSeconds: 0 });
    expect(again).toHaveLength(1); // not hidden for the 600 s visibility timeout
    expect(again[0]?.receiveCount).toBe(2);
  });

  it("keeps polling after a failed receive", async () => {
    const ctl = new AbortController();
    let calls = 0;
    const queue = {
      url: "test://flaky",
      receive: async () => {
        calls++;
        if (calls === 1) throw new Error("disk gone");
        ctl.abort();
        return [];
      },
    } as unknown as LocalQueue;
    const logs: string[] = [];
    const store = new LocalObjectStore(join(dir, "b2"));
    const runner: JobRunner = async () => ({ model: "m", version: "v" });
    await runWorkerLoop(queue, {
      store,
      runner,
      signal: ctl.signal,
      retryDelayMs: 10,
      log: (l) => logs.push(l),
    });
    expect(calls).toBe(2);
    expect(logs[0]).toContain("disk gone");
  });
});
