/**
 * `--log-format json` as a user runs it: `residual serve` logs every request as one JSON line with its request id;
 * `residual start` (watcher, worker, job thread, API) puts a `jobId` or `requestId` on every JSON line, or
 * `"scope": "process"` on the lines about the process itself, a 5xx's stack included.
 */
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  renderShape,
  SHAPE_CLASSES,
  shapesDatasetFiles,
  writeDatasetFolder,
} from "@residual/pipeline/testing";
import { afterAll, describe, expect, it } from "vitest";
import { useTempDir } from "../support/temp-dir.js";
import { FAST_ENV, freePort, ResidualProcess, waitFor } from "./support/cli-process.js";

const dir = useTempDir("residual-jsonlog-");
let serve: ResidualProcess | undefined;
let start: ResidualProcess | undefined;

afterAll(() => {
  serve?.kill("SIGKILL");
  start?.kill("SIGKILL");
});

type Line = Record<string, unknown>;
const jsonLines = (stderr: string): Line[] =>
  stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Line);

describe("residual serve --log-format json", () => {
  it("logs each request as a JSON object with level, message, service and requestId", async () => {
    serve = new ResidualProcess([
      "serve",
      "--store",
      join(dir(), "bucket"),
      "--port",
      "0",
      "--log-format",
      "json",
    ]);
    const [, url] = await serve.waitForOutput(/residual: serving \S+ on (\S+)/);
    const res = await fetch(`${url}/livez`, { headers: { "x-request-id": "cli-req-1" } });
    expect(res.status).toBe(200);
    await fetch(`${url}/v1/jobs/NOT_AN_ID`);
    const lines = await waitFor(
      async () => {
        const parsed = serve!.stderr
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        return parsed.length >= 2 ? parsed : undefined;
      },
      10_000,
      "two JSON request lines",
    );
    expect(lines[0]).toMatchObject({
      level: "INFO",
      message: "request",
      service: "residual-serve",
      requestId: "cli-req-1",
      route: "livez",
      status: "200",
    });
    expect(lines[1]).toMatchObject({ route: "job", status: "400" });
    expect(typeof lines[1]!.requestId).toBe("string");
    expect(Date.parse(String(lines[1]!.timestamp))).not.toBeNaN();
  });
});

describe("residual start --log-format json", () => {
  it("puts a jobId or requestId (or scope process) on every line: watcher, job, requests, a 5xx's stack", async () => {
    const home = join(dir(), "home");
    const spec = { name: "logs", arch: "cifar_resnet20", imageSize: 32, epochs: 1, batchSize: 6, seed: 7 };
    // Dropped straight into the watched folder: the watcher queues the job.
    await writeDatasetFolder(
      join(home, "datasets", "logs"),
      await shapesDatasetFiles({ classes: 2, perClass: 6 }),
      spec,
    );
    const port = await freePort();
    start = new ResidualProcess(
      ["start", "--home", home, "--port", String(port), "--log-format", "json"],
      FAST_ENV,
    );
    const [, url] = (await start.waitForOutput(/residual: pipeline ready on (\S+)/)) as [string, string];
    const jobId = await waitFor(
      async () => {
        const { jobs } = (await (await fetch(`${url}/v1/jobs`)).json()) as {
          jobs: Array<{ id: string; state: string }>;
        };
        return jobs.find((j) => j.state === "succeeded")?.id;
      },
      120_000,
      "the watched dataset's job to succeed",
    );
    const image = (await renderShape(SHAPE_CLASSES[0]!, 40, 77)).toString("base64");
    const post = (path: string, model: string, id: string) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": id },
        body: JSON.stringify({ model, images: [{ base64: image }] }),
      });
    expect((await post("/v1/classify", "logs", "req-classify")).status).toBe(200);
    expect((await post("/v1/neighbours", "logs", "req-neighbours")).status).toBe(200);
    // A version whose labels.json is broken: the bucket's fault, a 500 whose stack the server logs.
    const good = join(home, "models", "logs");
    const version = (await (await fetch(`${url}/v1/models/logs`)).json()) as { latest: string };
    const broken = join(home, "models", "broken", "v1");
    await mkdir(broken, { recursive: true });
    await copyFile(join(good, version.latest, "model.onnx"), join(broken, "model.onnx"));
    await writeFile(join(broken, "labels.json"), "{ not json");
    await writeFile(join(home, "models", "broken", "latest"), "v1");
    expect((await post("/v1/classify", "broken", "req-broken")).status).toBe(500);
    start.kill("SIGTERM");
    await start.exited;

    const lines = jsonLines(start.stderr);
    // Nothing on stderr escapes the logger: every line is a JSON object.
    expect(start.stderr.split("\n").filter((l) => l && !l.startsWith("{"))).toEqual([]);
    const unnamed = lines.filter((l) => !l.jobId && !l.requestId && l.scope !== "process");
    expect(unnamed).toEqual([]);
    expect(lines.find((l) => String(l.message).includes("uploaded: job queued"))).toMatchObject({ jobId });
    const jobLines = lines.filter((l) => l.jobId === jobId).map((l) => String(l.message));
    expect(jobLines.some((m) => m.startsWith("succeeded"))).toBe(true);
    for (const id of ["req-classify", "req-neighbours"])
      expect(lines.find((l) => l.requestId === id && l.message === "request")).toMatchObject({
        status: "200",
      });
    const failed = lines.find((l) => l.message === "route failed");
    expect(failed).toMatchObject({ level: "ERROR", requestId: "req-broken", route: "classify" });
    expect(String(failed?.error)).toContain("labels.json");
    expect(lines.some((l) => l.scope === "process" && String(l.message).includes("stopped"))).toBe(true);
  });
});
