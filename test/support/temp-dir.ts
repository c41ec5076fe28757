/** A temporary directory for one test file: made before its tests, removed after them. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

/**
 * Registers the hooks and returns a getter for the directory (valid inside tests).
 *
 * @example
 * const dir = useTempDir("residual-engines-");
 * it("…", () => new LocalObjectStore(dir()));
 */
export function useTempDir(prefix: string): () => string {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}
