/**
 * Compiles the AssemblyScript training engine (`packages/resnet/assembly/trainer/`) twice — plain SIMD and SIMD +
 * relaxed SIMD (fused multiply-add) — and, run as a script (`npm run build:wasm -w @residual/resnet`), writes them
 * as `src/wasm-trainer/trainer-simd.wasm` and `trainer-relaxed.wasm`, which the engine reads from beside its
 * module (it is not part of any bundle). The compile is deterministic, so a test catches a stale binary.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileAssemblyScript } from "../../../scripts/assemblyscript.js";

const here = dirname(fileURLToPath(import.meta.url));

export const TRAINER_WASM_ENTRY = join(here, "../assembly/trainer/index.ts");

/** Shared memory imported from the host (up to 4 GiB), no GC runtime, no bounds asserts. */
const COMMON = [
  "--enable",
  "simd",
  "--enable",
  "threads",
  "--importMemory",
  "--sharedMemory",
  "--initialMemory",
  "1",
  "--maximumMemory",
  "65536",
  "-O3",
  "--runtime",
  "stub",
  "--noAssert",
] as const;

/** The two builds and the files they are committed as. */
export const TRAINER_WASM_BUILDS = {
  simd: { flags: COMMON, file: join(here, "../src/wasm-trainer/trainer-simd.wasm") },
  relaxed: {
    flags: [...COMMON, "--enable", "relaxed-simd"],
    file: join(here, "../src/wasm-trainer/trainer-relaxed.wasm"),
  },
} as const;

/**
 * Compiles one build of the engine.
 *
 * @example
 * const bytes = await compileTrainerWasm("relaxed");
 */
export function compileTrainerWasm(build: keyof typeof TRAINER_WASM_BUILDS): Promise<Uint8Array> {
  return compileAssemblyScript(TRAINER_WASM_ENTRY, TRAINER_WASM_BUILDS[build].flags);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const build of ["simd", "relaxed"] as const) {
    const bytes = await compileTrainerWasm(build);
    await writeFile(TRAINER_WASM_BUILDS[build].file, bytes);
    console.log(`wrote ${TRAINER_WASM_BUILDS[build].file} (${bytes.length} bytes)`);
  }
}
