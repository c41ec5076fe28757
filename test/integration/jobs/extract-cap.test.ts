/**
 * The operator's cap on what one dataset archive may write to disk (`RESIDUAL_MAX_EXTRACT_GIB`, the CDK prop
 * `maxExtract` / context `maxExtractGiB`) reaches the job worker through the configuration and refuses an archive
 * that the default cap lets through, with the cap named in the error.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  claimJob,
  configuredTrainingRunner,
  LocalObjectStore,
  loadConfig,
  readJobStatus,
  runJob,
} from "@residual/pipeline";
import { describe, expect, it } from "vitest";
import { makeZip } from "../../support/images.js";

async function runWith(env: Record<string, string>) {
  const store = new LocalObjectStore(await mkdtemp(join(tmpdir(), "residual-extract-cap-")));
  // Incompressible bytes: neither the compression-ratio cap nor the disk refuses 1 MiB.
  const zip = makeZip([
    { name: "circle/a.png", data: randomBytes(1024 * 1024) },
    { name: "square/b.png", data: randomBytes(16) },
  ]);
  await store.put("datasets/noise.zip", zip);
  const info = await store.head("datasets/noise.zip");
  const id = `cap-${info!.etag.slice(0, 12)}`;
  await claimJob(store, id, {
    bucket: "local",
    key: "datasets/noise.zip",
    etag: info!.etag,
    kind: "archive",
  });
  const runner = configuredTrainingRunner(loadConfig("worker", env));
  expect(await runJob(id, { store, runner, log: () => undefined })).toBe("failed");
  return (await readJobStatus(store, id)).error;
}

describe("RESIDUAL_MAX_EXTRACT_GIB", () => {
  it("is parsed into bytes, and a bad value is refused by name", () => {
    expect(loadConfig("worker", { RESIDUAL_MAX_EXTRACT_GIB: "2.5" }).worker.maxExtractBytes).toBe(
      2.5 * 1024 ** 3,
    );
    expect(loadConfig("worker", {}).worker.maxExtractBytes).toBeUndefined();
    expect(() => loadConfig("worker", { RESIDUAL_MAX_EXTRACT_GIB: "-1" })).toThrow(
      /RESIDUAL_MAX_EXTRACT_GIB/,
    );
  });

  it("refuses an archive over the configured cap that the default lets through", async () => {
    const capped = await runWith({ RESIDUAL_MAX_EXTRACT_GIB: String(512 / 1024 ** 2) }); // 512 KiB
    expect(capped?.code).toBe("archive_too_large");
    expect(capped?.message).toContain("maxUncompressedBytes");
    const uncapped = await runWith({});
    expect(uncapped?.code).not.toBe("archive_too_large"); // extracted; the noise then fails as images
  });
});
