/**
 * Small leaks: the worker loop's retry pause removes its abort listener (no MaxListenersExceededWarning after many
 * failed receives), and `residual demo --url` against a pipeline on another bucket says so at once.
 */
import { getEventListeners } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { LocalObjectStore, openQueue } from "@residual/pipeline";
import { runWorkerLoop } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";
import { runResidual } from "../../support/cli.js";
import { spawnServe } from "../serving/support/serve-process.js";

describe("small leaks", () => {
  it("many failed receives leave no abort listeners behind", async () => {
    const dir = await mkdtemp(join(tmpdir(), "residual-leak-"));
    const notADir = join(dir, "queue");
    await writeFile(notADir, "a file where the queue's directory should be");
    const queue = openQueue(pathToFileURL(notADir).href);
    const ctl = new AbortController();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    let failures = 0;
    let listenersAt40 = -1;
    const done = runWorkerLoop(queue, {
      store: new LocalObjectStore(dir),
      runner: async () => ({ model: "m", version: "v" }),
      signal: ctl.signal,
      retryDelayMs: 1,
      log: () => {
        failures++;
        if (failures === 40) {
          listenersAt40 = getEventListeners(ctl.signal, "abort").length; // 39 pauses behind it
          ctl.abort();
        }
      },
    });
    await done;
    process.off("warning", onWarning);
    expect(failures).toBeGreaterThanOrEqual(40);
    expect(listenersAt40).toBe(0);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });

  it("residual demo --url names a store mismatch at once instead of polling", async () => {
    const served = await mkdtemp(join(tmpdir(), "residual-served-"));
    const other = await mkdtemp(join(tmpdir(), "residual-other-"));
    const server = await spawnServe(["--store", served]);
    try {
      const t0 = Date.now();
      const res = await runResidual(["demo", "--url", server.url, "--store", other]);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain("store_mismatch");
      expect(Date.now() - t0).toBeLessThan(60_000);
    } finally {
      await server.stop();
    }
  });
});
