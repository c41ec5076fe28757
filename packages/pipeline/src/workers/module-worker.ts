/**
 * Worker threads that run real modules: a worker's code is a module entry importing what it needs like any
 * other module (no source text handed over as a string). A thread starts from compiled JavaScript either way:
 * the prebuilt bundle (`server/build-bundle.ts`) ships every entry as `workers/<name>.mjs` beside
 * `residual.mjs`; from the sources (tsx, vitest) the entry is compiled once per process with esbuild (what tsx
 * itself runs on) into `node_modules/.cache/residual-workers/` (and again only when a source changed), so a new
 * thread costs tens of milliseconds, not a TypeScript loader of its own; an entry whose module graph is the whole
 * pipeline (the job thread) starts through tsx instead (`tsx-boot.mjs`).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, type WorkerOptions, workerData } from "node:worker_threads";

/** Set by the bundle build (esbuild `define`); undefined when running from the sources. */
declare const __RESIDUAL_BUNDLED__: boolean | undefined;

/**
 * A worker entry: its source module (a URL beside the caller), its name in the bundle, and how it starts from
 * the sources: `compiled` (small, self-contained entries: one CommonJS file, fast to start) or `tsx` (entries
 * whose module graph is the whole pipeline, like a job thread: tsx's loader in the thread, ~0.2 s once).
 * @example
 * const entry: WorkerEntry = { source: new URL("./ort-worker-main.ts", import.meta.url), name: "ort-session" };
 */
export interface WorkerEntry {
  source: URL;
  name: string;
  /** @default "compiled" */
  start?: "compiled" | "tsx";
}

/** Where the bundle's `workers/` folder is: beside the entry file, one up from a `chunks/` or `workers/` file. */
function bundledWorker(name: string): URL {
  const here = new URL(".", import.meta.url);
  const nested = here.pathname.endsWith("/chunks/") || here.pathname.endsWith("/workers/");
  const root = nested ? new URL("..", here) : here;
  return new URL(`workers/${name}.mjs`, root);
}

const compiled = new Map<string, URL>();

/** Whether the compiled file is newer than every source it was built from (recorded beside it). */
function upToDate(out: string): boolean {
  try {
    const inputs = JSON.parse(readFileSync(`${out}.inputs.json`, "utf8")) as Record<string, number>;
    return (
      Object.entries(inputs).every(([file, mtime]) => statSync(file).mtimeMs === mtime) && existsSync(out)
    );
  } catch {
    return false;
  }
}

/** The entry compiled to one CommonJS file (packages stay `require`s); inside the package, so those resolve. */
function compileWorker(entry: WorkerEntry, out: string): void {
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  const { buildSync } = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
  const result = buildSync({
    entryPoints: [fileURLToPath(entry.source)],
    bundle: true,
    packages: "external",
    platform: "node",
    // CommonJS: a worker thread starts a CommonJS file without initialising the ESM loader (~50 ms less).
    format: "cjs",
    target: "node20",
    outfile: tmp,
    metafile: true,
    logLevel: "error",
  });
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs).map((f) => [resolve(f), statSync(resolve(f)).mtimeMs]),
  );
  // Atomic: another process compiling the same entry replaces the file whole, never half.
  renameSync(tmp, out);
  writeFileSync(`${out}.inputs.json.${process.pid}`, JSON.stringify(inputs));
  renameSync(`${out}.inputs.json.${process.pid}`, `${out}.inputs.json`);
}

/** The compiled entry: reused while its sources are unchanged, else compiled now (once per process at most). */
function compiledWorker(entry: WorkerEntry): URL {
  const done = compiled.get(entry.name);
  if (done) return done;
  const dir = fileURLToPath(new URL("../../node_modules/.cache/residual-workers/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const out = `${dir}${entry.name}.cjs`;
  if (!upToDate(out)) compileWorker(entry, out);
  const url = pathToFileURL(out);
  compiled.set(entry.name, url);
  return url;
}

/**
 * Start `entry` on a new worker thread with `data` (read there with {@link workerInput}).
 * @example
 * const w = startModuleWorker({ source: new URL("./augment-worker.ts", import.meta.url), name: "augment" }, {});
 */
export function startModuleWorker(entry: WorkerEntry, data: unknown, options: WorkerOptions = {}): Worker {
  // No inherited `--import`/loader flags: the file is plain JavaScript, and a loader per thread costs ~100 ms.
  const common = { execArgv: [], ...options };
  if (typeof __RESIDUAL_BUNDLED__ !== "undefined") {
    return new Worker(bundledWorker(entry.name), { ...common, workerData: { data } });
  }
  if (entry.start === "tsx") {
    const boot = new URL("./tsx-boot.mjs", import.meta.url);
    return new Worker(boot, { ...common, workerData: { entry: entry.source.href, data } });
  }
  return new Worker(compiledWorker(entry), { ...common, workerData: { data } });
}

/**
 * Inside a worker entry: the `data` its parent passed to {@link startModuleWorker}.
 * @example
 * const { wasm } = workerInput<{ wasm: string }>();
 */
export function workerInput<T>(): T {
  return (workerData as { data: T }).data;
}
