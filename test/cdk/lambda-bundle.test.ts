/**
 * The Lambda image bundles each handler with esbuild (cdk/docker/lambda.Dockerfile). No Docker here, so this test
 * runs the same bundling — externals and banner read from the Dockerfile itself — and loads every bundle in a
 * fresh Node process: a bundle that cannot even be imported would otherwise surface only after `cdk deploy`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const HANDLERS = ["embed", "classify", "jobs", "dispatch", "bulk", "bulk-manifest", "seed-backbones"];
// Inside the repository so the externals resolve from its node_modules, as they do from /native in the image.
const out = mkdtempSync(join(ROOT, "node_modules/.residual-lambda-bundle-"));

afterAll(() => rmSync(out, { recursive: true, force: true }));

function dockerfileSettings(): { externals: string[]; banner: string; chunkNames?: string } {
  const text = readFileSync(join(ROOT, "cdk/docker/lambda.Dockerfile"), "utf8");
  const externals = /ARG EXTERNALS="([^"]+)"/.exec(text)?.[1]?.split(/\s+/) ?? [];
  const banner = /"--banner:js=([^"]+)"/.exec(text)?.[1] ?? "";
  const chunkNames = text.includes("--splitting") ? /--chunk-names=([^'\s]+)/.exec(text)?.[1] : undefined;
  return {
    externals: [...externals, "@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"],
    banner,
    chunkNames,
  };
}

/** Bare specifiers a bundle file loads at import time, following its static imports of sibling chunks. */
function staticPackages(file: string, seen = new Set<string>()): Set<string> {
  const found = new Set<string>();
  if (seen.has(file)) return found;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/^import\s[^;]*?from\s*"([^"]+)";?$/gms)) {
    const spec = m[1]!;
    if (spec.startsWith(".")) for (const p of staticPackages(join(dirname(file), spec), seen)) found.add(p);
    else found.add(spec);
  }
  return found;
}

describe("Lambda bundles", () => {
  it("build with the Dockerfile's esbuild settings and export a handler when imported", async () => {
    const { externals, banner, chunkNames } = dockerfileSettings();
    expect(externals).toContain("onnxruntime-node");
    expect(banner).toContain("require");
    expect(chunkNames).toBeDefined();
    await build({
      entryPoints: HANDLERS.map((h) => join(ROOT, `functions/src/${h}.ts`)),
      bundle: true,
      splitting: true,
      chunkNames,
      platform: "node",
      target: "node22",
      format: "esm",
      outdir: out,
      outExtension: { ".js": ".mjs" },
      external: externals,
      banner: { js: banner },
      logLevel: "error",
    });
    const script = `const r = {}; for (const h of ${JSON.stringify(HANDLERS)}) r[h] = typeof (await import(${JSON.stringify(`${out}/`)} + h + ".mjs")).handler; console.log(JSON.stringify(r));`;
    const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        ...process.env,
        RESIDUAL_BUCKET: "residual-data",
        // The dispatcher parses its environment at init and names every missing variable: give it what the stack does.
        RESIDUAL_JOB_QUEUE: "arn:aws:batch:us-east-1:123456789012:job-queue/q",
        RESIDUAL_JOB_DEFINITION: "arn:aws:batch:us-east-1:123456789012:job-definition/d:1",
        AWS_REGION: "us-east-1",
        POWERTOOLS_LOG_LEVEL: "SILENT",
      },
      encoding: "utf8",
    });
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual(
      Object.fromEntries(HANDLERS.map((h) => [h, "function"])),
    );
    // The init phase of the API functions loads ONNX Runtime and sharp, not tfjs (only a dynamic import does).
    for (const h of ["embed", "classify"]) {
      const loaded = staticPackages(join(out, `${h}.mjs`));
      expect([...loaded].filter((p) => p.startsWith("@tensorflow/"))).toEqual([]);
    }
  });
});
