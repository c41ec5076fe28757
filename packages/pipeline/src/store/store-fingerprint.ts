/**
 * A short, opaque identity of a store (a hash of its location): `/healthz` answers it so a client can tell at
 * once whether the pipeline at a URL serves the bucket the client writes to, without the API revealing where its
 * bucket is (a local directory is this machine's business).
 */
import { createHash } from "node:crypto";
import type { ObjectStore } from "./object-store.js";

/**
 * @example
 * storeFingerprint(openObjectStore("s3://residual-data")); // "3f9a0c1b2d4e5f60"
 */
export function storeFingerprint(store: Pick<ObjectStore, "url">): string {
  return createHash("sha256").update(store.url).digest("hex").slice(0, 16);
}
