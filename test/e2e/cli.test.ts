/**
 * `residual start` / `residual demo` as commands: help, one-line errors with a non-zero exit for bad options and
 * busy ports, the demo's dataset writer, and the demo end to end with an in-process pipeline.
 */

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAST_ENV, freePort, runResidual } from "./support/cli-process.js";

let dir: string;
/** Without AWS variables, whatever the shell running the tests has. */
const LOCAL_ENV = {
  RESIDUAL_BUCKET: "",
  RESIDUAL_QUEUE_URL: "",
  RESIDUAL_STORE: "",
  AWS_ENDPOINT_URL: "",
  AWS_ACCESS_KEY_ID: "",
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "residual-e2e-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function oneErrorLine(stderr: string): string {
  const lines = stderr
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("residual: error"));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe("residual start options", () => {
  it("documents its flags and timing knobs in --help", async () => {
    const res = await runResidual(["start", "--help"]);
    expect(res.code).toBe(0);
    for (const s of [
      "--home",
      "--port",
      "--host",
      "--aws",
      "--bucket",
      "--queue-url",
      "RESIDUAL_LEASE_SECONDS",
    ])
      expect(res.stdout).toContain(s);
  });

  it("refuses a bad port with one line and exit 1", async () => {
    const res = await runResidual(["start", "--home", join(dir, "h1"), "--port", "http"], LOCAL_ENV);
    expect(res.code).toBe(1);
    expect(oneErrorLine(res.stderr)).toContain("[invalid_options]");
  });

  it("says which flag AWS mode is missing", async () => {
    const res = await runResidual(["start", "--aws", "--queue-url", "http://127.0.0.1:1/q"], LOCAL_ENV);
    expect(res.code).toBe(1);
    const line = oneErrorLine(res.stderr);
    expect(line).toContain("[missing_option]");
    expect(line).toContain("--bucket");
  });

  it("reports a busy port instead of crashing", async () => {
    const server: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
    );
    try {
      const res = await runResidual(["start", "--home", join(dir, "h2"), "--port", String(port)], LOCAL_ENV);
      expect(res.code).toBe(1);
      expect(oneErrorLine(res.stderr)).toContain("[port_in_use]");
    } finally {
      server.close();
    }
  });
});

describe("residual demo", () => {
  it("refuses bad options with every issue", async () => {
    const res = await runResidual(["demo", "--classes", "9", "--epochs", "0", "--url", "nope"], LOCAL_ENV);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("[invalid_options]");
    for (const field of ["classes", "epochs", "url"]) expect(res.stderr).toContain(`${field}:`);
  });

  it("--out writes the same dataset bytes for the same seed", async () => {
    const a = join(dir, "a.tar.gz");
    const b = join(dir, "b.tar.gz");
    for (const out of [a, b]) {
      const res = await runResidual([
        "demo",
        "--out",
        out,
        "--classes",
        "2",
        "--per-class",
        "5",
        "--epochs",
        "2",
      ]);
      expect(res.code, res.stderr).toBe(0);
    }
    expect((await readFile(a)).equals(await readFile(b))).toBe(true);
    const folder = join(dir, "folder");
    const res = await runResidual(["demo", "--out", folder, "--classes", "3", "--per-class", "4"]);
    expect(res.code, res.stderr).toBe(0);
    expect((await readdir(folder)).sort()).toEqual([
      "blue-square",
      "green-stripes",
      "red-circle",
      "residual.json",
    ]);
    expect(await readdir(join(folder, "red-circle"))).toHaveLength(4);
    const spec = JSON.parse(await readFile(join(folder, "residual.json"), "utf8")) as Record<string, unknown>;
    expect(spec).toEqual({ arch: "cifar_resnet20", imageSize: 32, epochs: 4, batchSize: 16, seed: 1 });
  });

  it("runs the pipeline in-process when none answers, and prints the model and the API's answers", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = ["demo", "--store", join(dir, "demo-home"), "--url", url, "--json"];
    const small = ["--classes", "2", "--per-class", "8", "--epochs", "2", "--batch-size", "8"];
    const res = await runResidual([...args, ...small], { ...LOCAL_ENV, ...FAST_ENV });
    expect(res.code, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout) as Record<string, unknown> & {
      probes: { truth: string; predicted: string }[];
    };
    expect(r).toMatchObject({
      startedPipeline: true,
      model: "demo-shapes",
      embeddingCount: 4,
      embeddingDim: 64,
    });
    expect(r.modelLocation).toContain(`/models/demo-shapes/${String(r.version)}/`);
    expect(r.valTop1).toBeGreaterThanOrEqual(0);
    expect(r.probes.map((p) => p.truth)).toEqual(["red-circle", "red-circle", "blue-square", "blue-square"]);
    for (const p of r.probes) expect(["red-circle", "blue-square"]).toContain(p.predicted);
    expect(res.stderr).toContain(`no pipeline at ${url}`);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow(); // the in-process pipeline stopped with the demo
  });
});
