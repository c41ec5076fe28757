/**
 * A minimal in-memory ObjectStore for registry/serving tests that must not depend on the store engineer's
 * implementations landing first. Behaves like the contract: sorted keys, pages, ifAbsent → ConflictError.
 */
import { Readable } from "node:stream";
import {
  ConflictError,
  InvalidInputError,
  type ListPage,
  NotFoundError,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from "@residual/pipeline";

function checkKey(key: string): void {
  if (key.startsWith("/") || key.split("/").includes("..")) throw new InvalidInputError("invalid_key", key);
}

async function toBuffer(body: Buffer | Uint8Array | string | Readable): Promise<Buffer> {
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks);
  }
  return Buffer.from(body);
}

/** @example const store = new MemoryStore(); await store.put("a", "x"); */
export class MemoryStore implements ObjectStore {
  readonly url = "memory://test";
  readonly objects = new Map<string, { body: Buffer; info: ObjectInfo }>();
  /** Keys in write order, to assert publish ordering. */
  readonly writes: string[] = [];

  async get(key: string): Promise<Buffer> {
    checkKey(key);
    const o = this.objects.get(key);
    if (!o) throw new NotFoundError("object_not_found", key);
    // A copy, like the real stores (each get reads anew): callers own, and may hand off, what they get.
    return Buffer.from(o.body);
  }
  async getStream(key: string): Promise<Readable> {
    return Readable.from([await this.get(key)]);
  }
  async put(
    key: string,
    body: Buffer | Uint8Array | string | Readable,
    options?: PutOptions,
  ): Promise<ObjectInfo> {
    checkKey(key);
    if (options?.ifAbsent && this.objects.has(key)) throw new ConflictError("already_exists", key);
    const buf = await toBuffer(body);
    const info: ObjectInfo = {
      key,
      size: buf.length,
      etag: String(buf.length),
      lastModified: new Date(),
      ...(options?.contentType ? { contentType: options.contentType } : {}),
    };
    this.objects.set(key, { body: buf, info });
    this.writes.push(key);
    return info;
  }
  async head(key: string): Promise<ObjectInfo | undefined> {
    checkKey(key);
    return this.objects.get(key)?.info;
  }
  async listPage(prefix: string, options?: { token?: string; limit?: number }): Promise<ListPage> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const start = options?.token ? Number(options.token) : 0;
    const limit = options?.limit ?? 1000;
    const slice = keys.slice(start, start + limit);
    const next = start + limit < keys.length ? String(start + limit) : undefined;
    return {
      objects: slice.map((k) => this.objects.get(k)!.info),
      ...(next ? { nextToken: next } : {}),
    };
  }
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, token ? { token } : {});
      yield* page.objects;
      token = page.nextToken;
    } while (token);
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
