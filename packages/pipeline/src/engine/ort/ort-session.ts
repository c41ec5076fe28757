/**
 * ONNX Runtime sessions that start fast. Building a session from `model.onnx` at `graphOptimizationLevel: "all"`
 * parses the protobuf, copies every weight and runs the graph optimisers (≈ 0.3–0.8 s for ResNet-50 on 2 cores).
 * The first load on a machine therefore also saves the optimised graph in ORT format next to the model; later loads
 * map that file's graph directly (no parse of a protobuf, no optimiser: tens of ms).
 *
 * The optimised graph holds NCHWc layouts whose block size depends on the CPU (AVX-512 vs AVX2) and on the ORT
 * build, so the cache key names both, plus the source model's ETag, so a replaced `model.onnx` is never served
 * from a stale cache.
 */
import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { InferenceSession } from "onnxruntime-node";
import type { ObjectInfo } from "../../store/object-store.js";
import type { ArtifactsLocation } from "../inference-engine.js";
import { type OrtRunner, type OrtThread, openRunner } from "./ort-runner.js";

/**
 * The installed onnxruntime-node version, read from its package.json: a process whose sessions live on worker
 * threads never loads the native library on its main thread (see `ort-runner.ts`).
 * @example
 * ortVersion() // "1.30.0"
 */
export function ortVersion(): string {
  const pkg = createRequire(import.meta.url)("onnxruntime-node/package.json") as { version?: string };
  return pkg.version ?? "unknown";
}

let cpuClassCache: string | undefined;

/** `avx512` | `avx2` | `base` on x64 Linux (what decides the NCHWc block size), else a hash of the CPU model. */
function cpuClass(): string {
  cpuClassCache ??= readCpuClass();
  return cpuClassCache;
}

function readCpuClass(): string {
  try {
    const flags = readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m)?.[1] ?? "";
    const has = (f: string) => flags.includes(` ${f} `) || flags.endsWith(` ${f}`);
    if (flags) return has("avx512f") ? "avx512" : has("avx2") ? "avx2" : "base";
  } catch {
    // not Linux: fall through
  }
  return createHash("sha256")
    .update(cpus()[0]?.model ?? "")
    .digest("hex")
    .slice(0, 8);
}

/**
 * Key of the ORT-format cache for `model.onnx` (described by `info`) on this machine and ORT build.
 * @example
 * optimizedModelKey("models/flowers/v1/", info, "1.30.0") // "models/flowers/v1/ort-cache/1.30.0-linux-x64-avx2-3f2a….ort"
 */
export function optimizedModelKey(prefix: string, info: ObjectInfo, ortVersion: string): string {
  const source = createHash("sha256").update(`${info.etag}:${info.size}`).digest("hex").slice(0, 12);
  return `${prefix}ort-cache/${ortVersion}-${process.platform}-${process.arch}-${cpuClass()}-${source}.ort`;
}

/**
 * Options that make ORT keep pointers into an ORT-format buffer instead of copying the graph. The weights are still
 * copied (`use_ort_model_bytes_for_initializers` is off on purpose): kernels reading them in place from the
 * flatbuffer ran ResNet-18/50 at batch 8 about 5–6% slower than a session built from `model.onnx` (measured with
 * interleaved runs), which costs more over a server's life than one weight copy at load.
 */
const USE_BYTES_DIRECTLY = { session: { use_ort_model_bytes_directly: "1" } };

/**
 * A session opened by {@link openOrtSession}, and where it came from.
 * @example
 * const { runner, source } = await openOrtSession(location, info, options, "main");
 */
export interface LoadedSession {
  /** The session, on a worker thread or this one. */
  runner: OrtRunner;
  /** Size of the model bytes the session was built from. */
  byteLength: number;
  /** Where the session came from: `cache` (ORT format), `onnx` (optimised now). */
  source: "cache" | "onnx";
  /** Settles once the ORT-format cache is written (or could not be); only for `source: "onnx"`. */
  saved?: Promise<void>;
}

/** Copy the ORT-format file ORT just wrote into the store, best effort (a read-only bucket still serves). */
async function publishOptimized(
  location: ArtifactsLocation,
  key: string,
  file: string,
  replace: boolean,
): Promise<void> {
  try {
    await location.store.put(key, await readFile(file), {
      ifAbsent: !replace,
      contentType: "application/octet-stream",
    });
  } catch {
    // Another process cached it first, or we may not write there (a Lambda role): the next load optimises again.
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * Open `<prefix>model.onnx` (described by `onnx`, the HEAD the model's resolution already made) as a session on
 * `thread`: from the ORT-format cache when one matches, else optimise now and save the cache for next time (in
 * the background; the returned session serves immediately).
 * @example
 * const { runner } = await openOrtSession({ store, prefix: "models/flowers/v1/" }, info, onnxSessionOptions(), "worker");
 */
export async function openOrtSession(
  location: ArtifactsLocation,
  onnx: ObjectInfo,
  options: InferenceSession.SessionOptions,
  thread: OrtThread,
): Promise<LoadedSession> {
  const key = optimizedModelKey(location.prefix, onnx, ortVersion());
  const cached = await location.store.head(key);
  if (cached) {
    const bytes = await location.store.get(key);
    try {
      const direct = { ...options, graphOptimizationLevel: "disabled" as const, extra: USE_BYTES_DIRECTLY };
      // Stores return a fresh Buffer per get: nobody else holds it, so it moves to the worker without a copy.
      return { runner: await openRunner(bytes, direct, thread), byteLength: cached.size, source: "cache" };
    } catch {
      // A cache file ORT cannot read (truncated upload, foreign build): optimise from model.onnx below.
    }
  }
  const file = join(tmpdir(), `residual-${randomUUID()}.ort`);
  const runner = await openRunner(
    await location.store.get(`${location.prefix}model.onnx`),
    {
      ...options,
      graphOptimizationLevel: "all",
      optimizedModelFilePath: file,
      // ORT warns that an NCHWc graph is hardware specific: that is why the cache key names the CPU class.
      logSeverityLevel: 3,
      extra: { session: { save_model_format: "ORT" } },
    },
    thread,
  );
  // An unreadable cache file is replaced; otherwise the first writer wins.
  const saved = publishOptimized(location, key, file, cached !== undefined);
  return { runner, byteLength: onnx.size, source: "onnx", saved };
}
