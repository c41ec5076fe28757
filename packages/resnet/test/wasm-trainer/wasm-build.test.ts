/** The committed engine (trainer-wasm.generated.ts) is what the AssemblyScript source compiles to: asc is deterministic. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generatedSource, TRAINER_WASM_GENERATED } from "../../scripts/build-wasm.js";

describe("training engine wasm build", () => {
  it("recompiles to the committed bytes (run npm run build:wasm -w @residual/resnet if not)", async () => {
    const a = await generatedSource();
    expect(await generatedSource()).toBe(a);
    expect(await readFile(TRAINER_WASM_GENERATED, "utf8")).toBe(a);
  });
});
