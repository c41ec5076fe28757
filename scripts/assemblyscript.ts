/**
 * The one AssemblyScript compile step of the repository (the train-augment kernel in `packages/pipeline/assembly/`
 * and the training engine in `packages/resnet/assembly/trainer/`): the installed `asc` (a devDependency; only
 * builds and tests call this), in memory, deterministic for a given compiler and source — which is what lets a
 * test catch a stale committed binary.
 */

/**
 * Compiles `entry` with `flags` and returns the module's bytes.
 *
 * @example
 * const bytes = await compileAssemblyScript("packages/pipeline/assembly/index.ts", ["--enable", "simd", "-O3"]);
 */
export async function compileAssemblyScript(entry: string, flags: readonly string[]): Promise<Uint8Array> {
  const asc = (await import("assemblyscript/asc")).default;
  let binary: Uint8Array | undefined;
  const errors: string[] = [];
  const result = await asc.main([entry, "--outFile", "out.wasm", ...flags], {
    writeFile: (name, contents) => {
      if (name.endsWith(".wasm") && typeof contents !== "string") binary = contents;
    },
    stderr: { write: (s: string | Uint8Array) => errors.push(String(s)) },
  });
  if (result.error || !binary)
    throw new Error(`asc failed: ${result.error?.message ?? ""} ${errors.join("")}`);
  return binary;
}
