/**
 * Errors raised inside `@residual/resnet` reach a CLI user as one line with a specific code, never a stack or a
 * JSON dump: bad weights, an option the architecture refuses, a tfjs backend that cannot load. (The same errors'
 * HTTP statuses: test/integration/serving/error-mapping.test.ts.)
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runResidual } from "../support/cli.js";

async function garbageWeights(): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), "residual-cli-errors-"));
  const file = join(dir, "bad.safetensors");
  await writeFile(file, "garbage-not-safetensors");
  return { dir, file };
}

function expectOneLine(stderr: string, code: string): void {
  const errors = stderr.split("\n").filter((l) => l.startsWith("residual: error"));
  expect(errors, stderr).toHaveLength(1);
  expect(errors[0]).toContain(`[${code}]`);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('"code":');
}

describe("resnet errors at the CLI", () => {
  it("bad weights: one line with the format's code", async () => {
    const { dir, file } = await garbageWeights();
    const res = await runResidual(["weights", "import", file, "--arch", "resnet18", "--out", join(dir, "o")]);
    expect(res.code).not.toBe(0);
    expectOneLine(res.stderr, "safetensors_bad_header");
  });

  it("an option the architecture refuses: one line naming the flag", async () => {
    const { dir, file } = await garbageWeights();
    const res = await runResidual([
      "weights",
      "import",
      file,
      "--arch",
      "resnet18",
      "--out",
      join(dir, "o"),
      "--num-classes",
      "0",
    ]);
    expect(res.code).not.toBe(0);
    expectOneLine(res.stderr, "invalid_options");
    expect(res.stderr).toContain("--num-classes");
  });

  it("a backend that cannot load: one line with backend_unavailable", async () => {
    const { dir, file } = await garbageWeights();
    const res = await runResidual(
      ["weights", "import", file, "--arch", "resnet18", "--out", join(dir, "o")],
      {
        RESIDUAL_BACKEND: "tensorflow",
      },
    );
    expect(res.code).not.toBe(0);
    expectOneLine(res.stderr, "backend_unavailable");
  });
});
