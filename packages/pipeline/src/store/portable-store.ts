/**
 * How to open the same object store elsewhere (another thread): a plain, structured-clonable description. A
 * store that cannot be described (an in-memory test double) has no `portable()`.
 */
import { LocalObjectStore } from "./local-object-store.js";
import type { ObjectStore } from "./object-store.js";
import type { S3ObjectStoreConfig } from "./s3-config.js";
import { S3ObjectStore } from "./s3-object-store.js";

export type PortableStore =
  | { kind: "local"; rootDir: string }
  | { kind: "s3"; config: Omit<S3ObjectStoreConfig, "client"> };

/**
 * The portable description of `store`, when it has one.
 *
 * @example
 * const where = portableStore(store); // { kind: "local", rootDir: "/home/me/.residual" }
 */
export function portableStore(store: ObjectStore): PortableStore | undefined {
  return store.portable?.();
}

/**
 * A new store at `location` (its own clients and connections).
 *
 * @example
 * const store = openPortableStore({ kind: "local", rootDir: "/tmp/bucket" });
 */
export function openPortableStore(location: PortableStore): ObjectStore {
  return location.kind === "local"
    ? new LocalObjectStore(location.rootDir)
    : new S3ObjectStore(location.config);
}
