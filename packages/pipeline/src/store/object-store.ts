/**
 * The object-store seam: S3 in the cloud, a directory on one machine. Keys are `/`-separated, never start with `/`,
 * and never contain `..` segments (implementations reject them with InvalidInputError code `invalid_key`).
 */
import type { Readable } from "node:stream";

import type { PortableStore } from "./portable-store.js";

/**
 * What a store knows of one object (unquoted MD5-style ETag, size, time, content type).
 * @example
 * const info: ObjectInfo | undefined = await store.head("models/flowers/v1/model.onnx");
 */
export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  contentType?: string;
  /** S3 version id (versioned buckets, from `head`): what S3 events carry, hence what job ids are derived from. */
  versionId?: string;
}

/**
 * How `put` writes: content type, write-if-absent, write-if-unchanged, object tags.
 * @example
 * await store.put("jobs/j1/status.json", "{}", { ifAbsent: true, contentType: "application/json" });
 */
export interface PutOptions {
  contentType?: string;
  /** Only write if no object exists at the key; otherwise throw ConflictError (code `already_exists`). */
  ifAbsent?: boolean;
  /**
   * Only write if the object exists and its current ETag is this one (a compare-and-swap: S3 `If-Match`, the local
   * store under a per-key lock); otherwise throw ConflictError (code `precondition_failed`).
   */
  ifMatch?: string;
  /** Object tags (S3 `Tagging`; lifecycle rules match on them, e.g. `residual:kind=checkpoint`). The local store ignores them. */
  tags?: Record<string, string>;
}

/**
 * One page of a listing and the token of the next.
 * @example
 * const { objects, nextToken } = await store.listPage("models/", { limit: 100 });
 */
export interface ListPage {
  objects: ObjectInfo[];
  /** Pass back to get the next page; undefined on the last page. */
  nextToken?: string;
}

/**
 * The object-store seam: S3 in the cloud, a directory on one machine (same key rules for both).
 * @example
 * const store: ObjectStore = openObjectStore("s3://residual-data");
 * const bytes = await store.get("models/flowers/latest");
 */
export interface ObjectStore {
  /** A human-readable location: `s3://bucket/prefix` or `file:///abs/dir`. */
  readonly url: string;
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<Readable>;
  /** Large bodies (and streams) are uploaded in parts. */
  put(key: string, body: Buffer | Uint8Array | string | Readable, options?: PutOptions): Promise<ObjectInfo>;
  /** undefined when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** One page of keys under `prefix`, in lexicographic order. */
  listPage(prefix: string, options?: { token?: string; limit?: number }): Promise<ListPage>;
  /** Every key under `prefix`, across pages. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(key: string): Promise<void>;
  /** How to open this same store on another thread (see store-location.ts); absent for in-memory stores. */
  portable?(): PortableStore;
}
