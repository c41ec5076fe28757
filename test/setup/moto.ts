/**
 * vitest globalSetup: starts a real moto server (S3 + SQS + Batch APIs) on a free loopback port for
 * the whole run, so `npm test` alone needs nothing else running. Tests read its URL with
 * `inject("motoEndpoint")` (see test/support/aws.ts) or `process.env.RESIDUAL_TEST_AWS_ENDPOINT`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto server exited early with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`moto server did not answer on ${url} within ${timeoutMs} ms`);
}

let child: ChildProcess | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const python = process.env.RESIDUAL_MOTO_PYTHON ?? "python3";
  child = spawn(python, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "true" },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(url, child, 30_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  process.env.RESIDUAL_TEST_AWS_ENDPOINT = url;
  project.provide("motoEndpoint", url);
  return async () => {
    child?.kill("SIGTERM");
  };
}
