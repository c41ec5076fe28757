/**
 * A per-key lock for the local store's compare-and-swap writes (`ifMatch`): `mkdir(2)` of
 * `<root>/.objstore/locks/<md5 of key>` either creates the lock or fails with EEXIST, across threads and processes
 * on one machine. A lock older than `staleMs` belonged to a writer that died between mkdir and rmdir and is broken.
 */
import { createHash } from "node:crypto";
import { mkdir, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { TransientError } from "../errors.js";

const STALE_MS = 30_000;
const WAIT_MS = 10_000;

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

async function breakIfStale(path: string, staleMs: number): Promise<void> {
  try {
    if (Date.now() - (await stat(path)).mtimeMs > staleMs) await rmdir(path);
  } catch {
    // Released (or broken by another waiter) meanwhile: the next mkdir decides.
  }
}

/**
 * Run `fn` holding the lock on `key` under `locksDir`; waits up to 10 s, then TransientError `store_busy`.
 * @example
 * await withKeyLock(join(root, ".objstore", "locks"), "jobs/j1/status.json", async () => compareAndRename());
 */
export async function withKeyLock<T>(locksDir: string, key: string, fn: () => Promise<T>): Promise<T> {
  const path = join(locksDir, createHash("md5").update(key).digest("hex"));
  await mkdir(locksDir, { recursive: true });
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      await mkdir(path);
      break;
    } catch (err) {
      if (errCode(err) !== "EEXIST") throw err;
      if (Date.now() > deadline)
        throw new TransientError("store_busy", `key ${JSON.stringify(key)} stayed locked for 10 s`);
      await breakIfStale(path, STALE_MS);
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 15));
    }
  }
  try {
    return await fn();
  } finally {
    await rmdir(path).catch(() => undefined);
  }
}
