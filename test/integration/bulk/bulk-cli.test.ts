/** `residual bulk embed <dir> --model … --out <dir>` end to end: the real CLI process, real files. */
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { runResidual } from "../../support/cli.js";
import { jpeg, type ServingFixture, servingFixture } from "../serving/support/fixtures.js";

let fx: ServingFixture;
let input: string;

beforeAll(async () => {
  await initBackend({ logger: () => undefined });
  fx = await servingFixture();
  input = await mkdtemp(join(tmpdir(), "bulk-cli-in-"));
  for (const i of [1, 2, 3, 4, 5]) await writeFile(join(input, `photo-${i}.jpg`), await jpeg(44, 40, i));
  await writeFile(join(input, "corrupt.jpg"), (await jpeg(64, 64, 8)).subarray(0, 200));
});

describe("residual bulk (spawned CLI)", () => {
  it("embeds a directory into parts and a manifest, reports the corrupt file, and a re-run skips every part", async () => {
    const out = await mkdtemp(join(tmpdir(), "bulk-cli-out-"));
    const args = ["bulk", "embed", input, "--model", "pets", "--store", fx.dir, "--out", out];
    const r = await runResidual([...args, "--items-per-batch", "2"], { RESIDUAL_STORE: "" });
    expect(r.stderr).toMatch(/bulk embed \[#+\] 6\/6/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      parts: number;
      counts: { input: number; done: number; failed: number };
      failures: Array<{ key: string; code: string }>;
      version: string;
    };
    expect(summary).toMatchObject({
      parts: 3,
      counts: { input: 6, done: 5, failed: 1 },
      version: fx.version,
    });
    expect(summary.failures).toEqual([
      expect.objectContaining({ key: "corrupt.jpg", code: "image_truncated" }),
    ]);
    const manifest = JSON.parse(await readFile(join(out, "_SUCCESS"), "utf8")) as {
      parts: Array<{ key: string; done: number }>;
    };
    const lines = (
      await Promise.all(manifest.parts.map(async (p) => (await readFile(join(out, p.key), "utf8")).trim()))
    )
      .join("\n")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { key: string; embedding: number[] });
    expect(lines.map((l) => l.key).sort()).toEqual([1, 2, 3, 4, 5].map((i) => `photo-${i}.jpg`));
    for (const l of lines) expect(Math.hypot(...l.embedding)).toBeCloseTo(1, 5);

    const stamps = async () =>
      Promise.all(manifest.parts.map(async (p) => (await stat(join(out, p.key))).mtimeMs));
    const before = await stamps();
    const again = await runResidual([...args, "--items-per-batch", "2"], { RESIDUAL_STORE: "" });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ parts: 3, counts: summary.counts });
    expect(await stamps()).toEqual(before);
  });

  it("names what is missing when --model or --out is left out", async () => {
    const r = await runResidual(["bulk", "classify", input, "--out", "/tmp/x"], { RESIDUAL_STORE: "" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--model/);
  });
});
