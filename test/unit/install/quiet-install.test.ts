/**
 * A quiet install (issue 15): npm 11 finds no project config it does not know and no dependency install script
 * that package.json's `allowScripts` leaves undecided, and ONNX Runtime's CUDA download stays declined.
 */
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");

function npm(args: string[]) {
  const r = spawnSync("npm", args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "warn" },
  });
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe("npm install", () => {
  it("has nothing to warn about: no unknown config, every install script decided", () => {
    const dry = npm(["ci", "--dry-run", "--no-audit", "--no-fund"]);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out.split("\n").filter((l) => l.startsWith("npm warn"))).toEqual([]);
    const scripts = npm(["install-scripts", "ls"]);
    expect(scripts.out).toContain("No packages with unreviewed install scripts.");
  });

  it("declines onnxruntime-node's install script (its CUDA download)", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      allowScripts: Record<string, boolean>;
    };
    expect(pkg.allowScripts["onnxruntime-node"]).toBe(false);
    expect(await readFile(join(ROOT, ".npmrc"), "utf8")).not.toContain("onnxruntime-node-install-cuda");
  });
});
