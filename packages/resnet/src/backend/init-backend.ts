/**
 * Chooses the tfjs backend once per process, in one place (DESIGN.md seam "tfjs backend"):
 * tensorflow (`@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`) → wasm (with Residual's training kernels)
 * → cpu. `RESIDUAL_BACKEND=tensorflow|wasm|cpu` forces one. The pure-JS cpu backend is 27–59× slower than wasm,
 * so it is never chosen silently: only with `allowCpu: true` or `RESIDUAL_BACKEND=cpu`.
 */
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { BackendError } from "../errors.js";
import { registerWasmTrainingKernels } from "../kernels/register-wasm-kernels.js";
import { ensureGradients } from "./register-gradients.js";
import { initWasmThreads, MAX_WASM_THREADS, type WasmThreadsModule } from "./wasm-threads.js";

/**
 * The tfjs backends {@link initBackend} can choose, fastest first.
 * @example
 * BACKEND_NAMES.includes("wasm"); // true
 */
export const BACKEND_NAMES = ["tensorflow", "wasm", "cpu"] as const;
/**
 * One of {@link BACKEND_NAMES}.
 * @example
 * await initBackend({ backend: "wasm" as BackendName });
 */
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * How {@link initBackend} chooses: a forced backend, cpu opt-in, wasm threads, logging.
 * @example
 * await initBackend({ allowCpu: false, threads: 2, logger: console.error } satisfies InitBackendOptions);
 */
export interface InitBackendOptions {
  /** Force this backend (a process's parsed configuration). @default `RESIDUAL_BACKEND`, else the fastest */
  backend?: BackendName;
  /** Accept the pure-JS cpu backend when nothing faster loads. @default false */
  allowCpu?: boolean;
  /** Where `RESIDUAL_BACKEND` is read. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Receives the one log line about the choice. @default a line on stderr */
  logger?: (line: string) => void;
  /** Choose again even when an earlier call already chose (and logged) a backend. @default false */
  fresh?: boolean;
  /** Loads a backend package; injectable so tests can simulate missing packages. @default dynamic `import()` */
  importModule?: (specifier: string) => Promise<unknown>;
  /**
   * wasm threads (1–8), fixed once the wasm backend has initialised in this process. Above 1 this uses
   * Residual's Node workarounds for tfjs's threaded wasm build (`wasm-threads.ts`).
   * @default `RESIDUAL_WASM_THREADS`, else 1
   */
  threads?: number;
}

/**
 * The backend in use and why.
 * @example
 * const { backend, threads }: BackendChoice = await initBackend();
 */
export interface BackendChoice {
  backend: BackendName;
  reason: string;
  /** Threads the backend computes with (wasm: its thread pool; tensorflow: the cores; cpu: 1). */
  threads: number;
}

const overrideSchema = z.enum(BACKEND_NAMES).optional();
const threadsSchema = z.coerce.number().int().min(1).max(MAX_WASM_THREADS);
const TFJS_NODE_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;
const WASM_PACKAGE = "@tensorflow/tfjs-backend-wasm";

let chosen: BackendChoice | undefined;

function why(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split("\n")[0] ?? message).slice(0, 200);
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') failed to initialise`);
  await tf.ready();
}

/**
 * Whether a tfjs-node package has its native addon (`lib/napi-vN/tfjs_binding.node`, put there by its install
 * script, which downloads libtensorflow). Importing one without it registers every kernel and then fails, and the
 * next package's import repeats the registrations with a console line each: check first.
 */
function addonPresent(pkg: string): boolean {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    return false;
  }
  const lib = join(root, "lib");
  if (!existsSync(lib)) return false;
  return readdirSync(lib).some(
    (d) => d.startsWith("napi-v") && existsSync(join(lib, d, "tfjs_binding.node")),
  );
}

/** The default module loader: tfjs-node packages only when their native addon is installed. */
async function importInstalled(specifier: string): Promise<unknown> {
  if ((TFJS_NODE_PACKAGES as readonly string[]).includes(specifier) && !addonPresent(specifier))
    throw new Error("not installed with its native addon (its install script downloads libtensorflow)");
  return import(specifier);
}

/** Loads tfjs-node-gpu or tfjs-node (each registers 'tensorflow'); returns the package that worked. */
async function loadTensorflow(importModule: (s: string) => Promise<unknown>): Promise<string> {
  const failures: string[] = [];
  for (const pkg of TFJS_NODE_PACKAGES) {
    try {
      await importModule(pkg);
      await activate("tensorflow");
      return pkg;
    } catch (error) {
      failures.push(`${pkg}: ${why(error)}`);
    }
  }
  throw new Error(failures.join("; "));
}

async function loadWasm(importModule: (s: string) => Promise<unknown>, threads: number): Promise<number> {
  const wasm = (await importModule(WASM_PACKAGE)) as Partial<WasmThreadsModule>;
  // After the import (which registers the stock kernels), so ours replace them rather than the reverse.
  registerWasmTrainingKernels();
  if (typeof wasm.setThreadsCount !== "function" || typeof wasm.getThreadsCount !== "function") {
    await activate("wasm");
    return 1;
  }
  return initWasmThreads(wasm as WasmThreadsModule, threads, () => activate("wasm"));
}

async function loadCpu(importModule: (s: string) => Promise<unknown>): Promise<void> {
  await importModule("@tensorflow/tfjs-backend-cpu");
  await activate("cpu");
}

/** Loads one named backend; the result's reason is filled in by the caller. */
async function load(name: BackendName, importModule: (s: string) => Promise<unknown>, wasmThreads: number) {
  if (name === "tensorflow") {
    const pkg = await loadTensorflow(importModule);
    return { detail: pkg, threads: availableParallelism() };
  }
  if (name === "wasm") {
    const threads = await loadWasm(importModule, wasmThreads);
    const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "SIMD" : "no SIMD";
    const asked = threads === wasmThreads ? "" : `, ${wasmThreads} threads requested`;
    return { detail: `${simd}, training kernels registered${asked}`, threads };
  }
  await loadCpu(importModule);
  return { detail: "pure JS", threads: 1 };
}

/** wasm threads: the option, else `RESIDUAL_WASM_THREADS`, else 1. */
function parseThreads(option: number | undefined, env: Readonly<Record<string, string | undefined>>): number {
  const raw = option ?? (env.RESIDUAL_WASM_THREADS?.trim() || undefined);
  if (raw === undefined) return 1;
  const parsed = threadsSchema.safeParse(raw);
  if (!parsed.success) {
    const source = option !== undefined ? "threads" : "RESIDUAL_WASM_THREADS";
    throw new BackendError(
      "invalid_threads",
      `${source}=${JSON.stringify(raw)} is not an integer from 1 to ${MAX_WASM_THREADS}`,
    );
  }
  return parsed.data;
}

function parseOverride(env: Readonly<Record<string, string | undefined>>): BackendName | undefined {
  const raw = env.RESIDUAL_BACKEND?.trim() || undefined;
  const parsed = overrideSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BackendError(
      "invalid_backend_override",
      `RESIDUAL_BACKEND=${JSON.stringify(raw)} is not one of ${BACKEND_NAMES.join(", ")}`,
    );
  }
  return parsed.data;
}

async function chooseForced(
  name: BackendName,
  importModule: (s: string) => Promise<unknown>,
  wasmThreads: number,
) {
  try {
    const { detail, threads } = await load(name, importModule, wasmThreads);
    return { backend: name, reason: `RESIDUAL_BACKEND=${name} (${detail})`, threads };
  } catch (error) {
    throw new BackendError(
      "backend_unavailable",
      `RESIDUAL_BACKEND=${name} but it cannot load: ${why(error)}`,
      {
        cause: error,
      },
    );
  }
}

async function chooseAuto(
  allowCpu: boolean,
  importModule: (s: string) => Promise<unknown>,
  wasmThreads: number,
) {
  const skipped: string[] = [];
  for (const name of ["tensorflow", "wasm"] as const) {
    try {
      const { detail, threads } = await load(name, importModule, wasmThreads);
      const before = skipped.length > 0 ? `; ${skipped.join("; ")}` : "";
      return { backend: name, reason: `fastest available (${detail})${before}`, threads };
    } catch (error) {
      skipped.push(`${name} unavailable: ${why(error)}`);
    }
  }
  if (!allowCpu) {
    throw new BackendError(
      "cpu_not_allowed",
      `only the pure-JS cpu backend (27-59x slower than wasm) is available (${skipped.join("; ")}); ` +
        "pass allowCpu: true or set RESIDUAL_BACKEND=cpu to use it anyway",
    );
  }
  const { threads } = await load("cpu", importModule, 1);
  return { backend: "cpu" as const, reason: `allowCpu and nothing faster (${skipped.join("; ")})`, threads };
}

/** The earlier choice stands if still active, not contradicted by the override, and not a cpu fallback now refused. */
function reusable(current: BackendChoice, forced: BackendName | undefined, allowCpu: boolean): boolean {
  if (tf.getBackend() !== current.backend) return false;
  if (forced !== undefined) return forced === current.backend;
  return current.backend !== "cpu" || allowCpu;
}

/**
 * Chooses and activates the tfjs backend, registers tfjs-core's gradients (and on wasm Residual's training
 * kernels), and logs the choice once. Calling it again keeps the current choice unless `RESIDUAL_BACKEND` asks
 * for another backend.
 *
 * @example
 * ```ts
 * const { backend, reason, threads } = await initBackend({ allowCpu: false });
 * // stderr: "[residual] tfjs backend: wasm (fastest available (SIMD, training kernels registered); …) threads=1"
 * ```
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendChoice> {
  const env = opts.env ?? process.env;
  const importModule = opts.importModule ?? importInstalled;
  const logger = opts.logger ?? ((line: string) => process.stderr.write(`${line}\n`));
  const forced = opts.backend ?? parseOverride(env);
  const wasmThreads = parseThreads(opts.threads, env);
  await ensureGradients();
  const current = chosen;
  if (current !== undefined && !opts.fresh && reusable(current, forced, opts.allowCpu ?? false))
    return { ...current };
  const choice = forced
    ? await chooseForced(forced, importModule, wasmThreads)
    : await chooseAuto(opts.allowCpu ?? false, importModule, wasmThreads);
  chosen = choice;
  logger(`[residual] tfjs backend: ${choice.backend} (${choice.reason}) threads=${choice.threads}`);
  return { ...choice };
}
