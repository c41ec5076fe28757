/**
 * Multithreaded wasm (opt-in): a spawned Node process with RESIDUAL_WASM_THREADS=2 starts 2 threads, computes
 * what a single-threaded process computes, and exits by itself (idle pthread workers must not keep it alive).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BackendError, initBackend } from "@residual/resnet";
import { threadedBuildAvailable } from "@residual/resnet/testing";
import { describe, expect, it } from "vitest";

const FIXTURE = fileURLToPath(new URL("./fixtures/threaded-run.ts", import.meta.url));

interface RunResult {
  backend: string;
  threads: number;
  values: number[][];
}

/** Runs the fixture with `threads`; a process that does not exit within the timeout fails the test. */
function run(threads: string): RunResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", FIXTURE], {
    env: { ...process.env, RESIDUAL_WASM_THREADS: threads },
    encoding: "utf8",
    timeout: 90_000,
    maxBuffer: 64 << 20,
  });
  expect(r.error, "the process must exit by itself").toBeUndefined();
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as RunResult;
}

function maxRelDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  const scale = Math.max(...b.map(Math.abs), 1e-12);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / scale;
}

describe("wasm threads", () => {
  it("runs 2 threads in a process that exits by itself, with single-threaded results", () => {
    const threaded = run("2");
    const single = run("1");
    expect(threaded).toMatchObject({ backend: "wasm", threads: 2 });
    expect(single).toMatchObject({ backend: "wasm", threads: 1 });
    threaded.values.forEach((v, i) => {
      expect(maxRelDiff(v, single.values[i]!)).toBeLessThan(1e-5);
    });
  });

  it("finds the threaded build's files, and keeps the count fixed once wasm has started", async () => {
    expect(threadedBuildAvailable()).toBe(true);
    const env = { RESIDUAL_BACKEND: "wasm" };
    const first = await initBackend({ env, threads: 1, fresh: true, logger: () => {} });
    expect(first.threads).toBe(1);
    const again = await initBackend({ env, threads: 2, fresh: true, logger: () => {} });
    expect(again.threads).toBe(1);
    expect(again.reason).toContain("2 threads requested");
  });

  it("rejects thread counts outside 1..8, from the option and from RESIDUAL_WASM_THREADS", async () => {
    for (const [opts, text] of [
      [{ threads: 9 }, "threads=9"],
      [{ threads: 0 }, "threads=0"],
      [{ env: { RESIDUAL_WASM_THREADS: "two" } }, 'RESIDUAL_WASM_THREADS="two"'],
    ] as const) {
      const error = await initBackend({ env: {}, logger: () => {}, ...opts }).catch((e) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect(error.code).toBe("invalid_threads");
      expect(error.message).toContain(text);
    }
  });
});
