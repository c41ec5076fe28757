/**
 * The committed kernel (`augment-wasm.generated.ts`) is what the AssemblyScript source compiles to with the
 * installed `asc`: asc output is deterministic (checked by compiling twice), so a stale binary fails here.
 */
import { readFile } from "node:fs/promises";
import { AUGMENT_WASM_BASE64 } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";
import {
  AUGMENT_WASM_GENERATED,
  compileAugmentWasm,
  generatedSource,
} from "../../../packages/pipeline/scripts/build-augment-wasm.js";

describe("augment wasm build", () => {
  it("recompiles to the committed bytes (run npm run build:wasm -w @residual/pipeline if not)", async () => {
    const a = await compileAugmentWasm();
    const b = await compileAugmentWasm();
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).toString("base64")).toBe(AUGMENT_WASM_BASE64);
    expect(await readFile(AUGMENT_WASM_GENERATED, "utf8")).toBe(generatedSource(a));
  });
});
