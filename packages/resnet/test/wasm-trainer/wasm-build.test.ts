/** The committed engine builds (trainer-simd.wasm, trainer-relaxed.wasm) are what the AssemblyScript source compiles to. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { compileTrainerWasm, TRAINER_WASM_BUILDS } from "../../scripts/build-wasm.js";

describe("training engine wasm build", () => {
  it("recompiles to the committed bytes (run npm run build:wasm -w @residual/resnet if not)", async () => {
    for (const build of ["simd", "relaxed"] as const) {
      const a = await compileTrainerWasm(build);
      expect(
        Buffer.from(await compileTrainerWasm(build)).equals(Buffer.from(a)),
        `${build} is deterministic`,
      ).toBe(true);
      expect(Buffer.from(a).equals(await readFile(TRAINER_WASM_BUILDS[build].file)), build).toBe(true);
    }
  });
});
