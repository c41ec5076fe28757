/** Spawn `residual serve` on a free port and wait for its "serving … on http://…" line. */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** The last 4000 characters the process wrote on stderr. */
  stderr(): string;
  stop(): Promise<void>;
}

const BIN = resolve(import.meta.dirname, "../../../../packages/pipeline/bin/residual.js");

/** `entry`: the CLI to run (the tsx bin by default, or a prebuilt bundle). */
export function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}, entry = BIN): Promise<ServeProcess> {
  const child = spawn(process.execPath, [entry, "serve", "--port", "0", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start in 60 s\n${out}\n${err}`)), 60_000);
    child.stderr?.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(/on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        ok({
          url: m[1]!,
          child,
          stderr: () => err,
          stop: () =>
            new Promise((done) => {
              child.once("exit", () => done());
              child.kill("SIGTERM");
            }),
        });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code}\n${out}\n${err}`));
    });
  });
}
