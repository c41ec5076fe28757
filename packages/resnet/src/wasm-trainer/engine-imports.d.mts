import type { WasmMemory } from "./wasm-api.js";

/** The import object for one engine instance on `memory` (see engine-imports.mjs). */
export function engineImports(memory: WasmMemory): { env: Record<string, unknown> };
