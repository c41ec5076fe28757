/**
 * Loads the training engine's wasm: the relaxed-SIMD build (fused multiply-add) where the host accepts it —
 * Node 22 does by default, Node 20 once V8's `--experimental-wasm-relaxed-simd` flag is set, which is done here
 * (before any module using it compiles) — and the plain SIMD build otherwise.
 */

import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { ResNetError } from "../errors.js";
import { type WasmModule, wasm } from "./wasm-api.js";

export interface EngineModule {
  module: WasmModule;
  /** Whether this is the fused multiply-add build. */
  fma: boolean;
}

let cached: Partial<Record<"fma" | "plain", EngineModule>> = {};

/** A committed build beside this module (scripts/build-wasm.ts writes them). */
function build(name: "simd" | "relaxed"): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./trainer-${name}.wasm`, import.meta.url)));
}

/** Whether relaxed SIMD validates here, enabling V8's flag first if needed. */
function relaxedSupported(bytes: Uint8Array): boolean {
  if (wasm.validate(bytes)) return true;
  try {
    setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    return false;
  }
  return wasm.validate(bytes);
}

/**
 * The compiled engine; `fma: false` forces the plain build (results then differ in the last bits).
 *
 * @example
 * const { module, fma } = loadEngineModule();
 */
export function loadEngineModule(fma: boolean | "auto" = "auto"): EngineModule {
  const key = fma === false ? "plain" : "fma";
  const hit = cached[key];
  if (hit) return hit;
  const relaxed = build("relaxed");
  const useFma = fma !== false && relaxedSupported(relaxed);
  if (fma === true && !useFma)
    throw new ResNetError(
      "trainer_unsupported",
      "wasm trainer: relaxed SIMD (FMA) is not available on this host",
    );
  const bytes = useFma ? relaxed : build("simd");
  const loaded = { module: new wasm.Module(bytes), fma: useFma };
  cached = { ...cached, [useFma ? "fma" : "plain"]: loaded };
  if (fma === "auto" || fma === true) cached.fma = loaded;
  return loaded;
}
