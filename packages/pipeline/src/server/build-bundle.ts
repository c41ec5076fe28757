/**
 * Prebuilt CLI for fast starts: `residual` bundled by esbuild into `packages/pipeline/dist/residual.mjs` (+ one chunk
 * per lazily loaded command, and `workers/*.mjs` for the worker threads), so `serve` starts without tsx compiling TypeScript (≈ 0.5 s of CPU) and without
 * resolving hundreds of files. Native and optional packages stay external and load from node_modules.
 *
 * Build: `node --import tsx packages/pipeline/src/server/build-bundle.ts [outdir]`; run:
 * `node packages/pipeline/dist/residual.mjs serve --store <dir>`.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where `residual.mjs` goes by default. */
export const DEFAULT_BUNDLE_DIR = resolve(HERE, "../../dist");

/**
 * Packages loaded from node_modules at run time: native addons (their `.node` files cannot be bundled), tfjs (only
 * the tfjs engine and trainer load it, lazily) and the AWS SDK (large; only S3/SQS locations load it).
 */
const EXTERNAL = ["onnxruntime-node", "sharp", "@tensorflow/*", "@aws-sdk/*", "@aws-lambda-powertools/*"];

/** The worker-thread module entries, compiled to `workers/<name>.mjs` (names as `startModuleWorker` is given them). */
const WORKER_ENTRIES = [
  { in: resolve(HERE, "../engine/ort/ort-worker-main.ts"), out: "workers/ort-session" },
  { in: resolve(HERE, "../preprocess/augment/augment-worker.ts"), out: "workers/augment" },
  { in: resolve(HERE, "../jobs/job-thread-main.ts"), out: "workers/job-thread" },
];

/**
 * Bundle the CLI; returns the entry file.
 * @example
 * const entry = await buildBundle(); // …/packages/pipeline/dist/residual.mjs
 */
export async function buildBundle(outdir: string = DEFAULT_BUNDLE_DIR): Promise<string> {
  // esbuild ships with tsx (a dependency of this package); imported lazily so serving never loads it.
  const { build } = await import("esbuild");
  await build({
    entryPoints: [{ in: resolve(HERE, "../cli/run-cli.ts"), out: "residual" }, ...WORKER_ENTRIES],
    // `workers/module-worker.ts` starts the compiled `workers/<name>.mjs` instead of the TypeScript entries.
    define: { __RESIDUAL_BUNDLED__: "true" },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outdir,
    chunkNames: "chunks/[name]-[hash]",
    outExtension: { ".js": ".mjs" },
    external: EXTERNAL,
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: "error",
  });
  return join(outdir, "residual.mjs");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const entry = await buildBundle(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stdout.write(`residual: bundled ${entry}\n`);
}
