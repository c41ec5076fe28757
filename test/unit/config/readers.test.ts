/**
 * The environment is read in one place: no `process.env` outside `packages/pipeline/src/config/` in the pipeline
 * and the Lambda handlers, and every `RESIDUAL_*` name any package mentions is a variable of the contract.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ENV_VARS } from "@residual/pipeline/config";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../../..");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

describe("who reads the environment", () => {
  it("only the config module reads process.env in the pipeline and the Lambda handlers", () => {
    const readers = [...sources("packages/pipeline/src"), ...sources("functions/src")].filter((f) => {
      if (f.startsWith("packages/pipeline/src/config/")) return false;
      return /process\.env(?!\s*\*\/)/.test(
        readFileSync(join(ROOT, f), "utf8").replace(/\/\*\*[\s\S]*?\*\//g, ""),
      );
    });
    expect(readers).toEqual([]);
  });

  it("every RESIDUAL_* name in the code is a variable of the contract", () => {
    const files = [
      ...sources("packages/pipeline/src"),
      ...sources("packages/resnet/src"),
      ...sources("functions/src"),
      ...sources("cdk/lib"),
    ];
    const unknown = new Set<string>();
    for (const f of files) {
      for (const m of readFileSync(join(ROOT, f), "utf8").matchAll(/\bRESIDUAL_[A-Z][A-Z0-9_]*\b/g)) {
        if (!(m[0] in ENV_VARS) && m[0] !== "RESIDUAL_BUNDLED") unknown.add(`${m[0]} (${f})`);
      }
    }
    expect([...unknown]).toEqual([]);
  });
});
