/**
 * Runs the `residual` CLI as a user would: a spawned `node packages/pipeline/bin/residual.js …` process, with
 * helpers to wait for its ready line, poll conditions, and stop it with a signal.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

import { BIN } from "../../support/cli.js";

export { BIN, type RunResult, runResidual } from "../../support/cli.js";

/** Short timings so a restarted process takes an interrupted job over within seconds. */
export const FAST_ENV = {
  RESIDUAL_VISIBILITY_SECONDS: "3",
  RESIDUAL_HEARTBEAT_SECONDS: "1",
  RESIDUAL_LEASE_SECONDS: "2",
  RESIDUAL_WATCH_INTERVAL_MS: "200",
  RESIDUAL_QUEUE_WAIT_SECONDS: "1",
} as const;

/** A long-running `residual` process (start, serve) with its output so far. */
export class ResidualProcess {
  stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
      ...(cwd ? { cwd } : {}),
    });
    this.child.stdout?.on("data", (d: Buffer) => {
      this.stdout += d.toString();
    });
    this.child.stderr?.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Wait until stdout matches `pattern`; returns the match. Fails early if the process exits. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    return waitFor(
      () => {
        if (exited) throw new Error(`process exited before ${pattern}:\n${this.stdout}\n${this.stderr}`);
        return this.stdout.match(pattern) ?? undefined;
      },
      timeoutMs,
      `${pattern} in the output:\n${this.stderr.slice(-2000)}`,
    );
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/** Poll `check` until it returns a value (not undefined); throws with `what` on timeout. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  pollMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
