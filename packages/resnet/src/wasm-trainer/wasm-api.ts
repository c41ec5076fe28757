/**
 * The part of the WebAssembly JS API the engine uses. The repository's lib settings carry no DOM types (where
 * TypeScript declares WebAssembly), so the shapes are spelled out here and the global is read once.
 */

/** A wasm linear memory; shared memories hand out a SharedArrayBuffer. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** A compiled wasm module (opaque; it can be posted to workers). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstance {
  readonly exports: unknown;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** The global WebAssembly object, typed. */
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
