/** Runs a Python snippet with Debian's torch (`/usr/bin/python3`) and parses the JSON it prints. */
import { spawnSync } from "node:child_process";

export const TORCH_PYTHON = process.env.RESIDUAL_TORCH_PYTHON ?? "/usr/bin/python3";

export function runTorch<T>(script: string, input: unknown): T {
  const res = spawnSync(TORCH_PYTHON, ["-c", script], {
    input: JSON.stringify(input),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`torch reference failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}
