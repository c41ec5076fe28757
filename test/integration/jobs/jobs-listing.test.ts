/** One unreadable `status.json` does not break `residual jobs`: it is skipped and reported, the rest listed. */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimJob, LocalObjectStore, listJobs } from "@residual/pipeline";
import { describe, expect, it } from "vitest";
import { runResidual } from "../../support/cli.js";

const event = { bucket: "local", key: "datasets/flowers.zip", etag: "e1", kind: "archive" as const };

async function homeWithABadStatus() {
  const home = await mkdtemp(join(tmpdir(), "residual-jobs-"));
  const store = new LocalObjectStore(home);
  await claimJob(store, "flowers-00000000000000aa", event);
  await store.put("jobs/broken-00000000000000bb/status.json", "{ not json");
  await store.put("jobs/odd-00000000000000cc/status.json", JSON.stringify([1, 2, 3]));
  return { home, store };
}

describe("listing jobs past bad status documents", () => {
  it("listJobs skips and reports each one", async () => {
    const { store } = await homeWithABadStatus();
    const skipped: string[] = [];
    const jobs = await listJobs(store, { onSkipped: (s) => skipped.push(`${s.key}: ${s.reason}`) });
    expect(jobs.map((j) => j.id)).toEqual(["flowers-00000000000000aa"]);
    expect(skipped).toEqual([
      "jobs/broken-00000000000000bb/status.json: not JSON",
      "jobs/odd-00000000000000cc/status.json: not a valid status document",
    ]);
  });

  it("residual jobs lists the good job and names the bad ones on stderr", async () => {
    const { home } = await homeWithABadStatus();
    const res = await runResidual(["jobs", "--store", home]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("flowers-00000000000000aa");
    expect(res.stderr).toContain("skipped jobs/broken-00000000000000bb/status.json: not JSON");
  });
});
