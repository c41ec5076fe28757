/** `residual serve --log-format json` as a user runs it: every request is one JSON line with its request id. */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useTempDir } from "../support/temp-dir.js";
import { ResidualProcess, waitFor } from "./support/cli-process.js";

const dir = useTempDir("residual-jsonlog-");
let serve: ResidualProcess | undefined;

afterAll(() => serve?.kill("SIGKILL"));

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
