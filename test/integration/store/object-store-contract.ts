/**
 * The ObjectStore contract, written once and run against every implementation (LocalObjectStore, S3ObjectStore on
 * moto). Each test gets a fresh, empty store from `makeStore`.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import type { ObjectInfo, ObjectStore } from "@residual/pipeline";
import { describe, expect, it } from "vitest";

const md5 = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");

async function readStream(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

async function collect(iter: AsyncIterable<ObjectInfo>): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of iter) keys.push(o.key);
  return keys;
}

export function describeObjectStoreContract(name: string, makeStore: () => Promise<ObjectStore>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    it("puts, gets, heads and streams an object with an MD5 ETag", async () => {
      const store = await makeStore();
      const body = Buffer.from("hello residual");
      const info = await store.put("a/b/hello.txt", body, { contentType: "text/plain" });
      expect(info).toMatchObject({ key: "a/b/hello.txt", size: body.length, etag: md5(body) });
      expect(await store.get("a/b/hello.txt")).toEqual(body);
      expect(await readStream(await store.getStream("a/b/hello.txt"))).toEqual(body);
      const head = await store.head("a/b/hello.txt");
      expect(head).toMatchObject({ key: "a/b/hello.txt", size: body.length, etag: md5(body) });
      expect(head?.contentType).toBe("text/plain");
      expect(head?.lastModified).toBeInstanceOf(Date);
    });

    it("accepts strings, Uint8Arrays and streams, and overwrites", async () => {
      const store = await makeStore();
      await store.put("k", "first");
      await store.put("k", new Uint8Array([1, 2, 3]));
      expect(await store.get("k")).toEqual(Buffer.from([1, 2, 3]));
      const streamed = randomBytes(300_000);
      const info = await store.put("s", Readable.from([streamed.subarray(0, 1000), streamed.subarray(1000)]));
      expect(info.size).toBe(streamed.length);
      expect(await store.get("s")).toEqual(streamed);
      expect((await store.head("s"))?.size).toBe(streamed.length);
    });

    it("stores nothing when a streamed body fails half-way", async () => {
      const store = await makeStore();
      async function* failing(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(1000, 7);
        throw new Error("upstream broke");
      }
      await expect(store.put("broken", Readable.from(failing()))).rejects.toThrow();
      expect(await store.head("broken")).toBeUndefined();
      expect((await store.listPage("")).objects).toEqual([]);
    });

    it("reports missing keys: get/getStream throw NotFoundError, head is undefined, delete is a no-op", async () => {
      const store = await makeStore();
      await expect(store.get("missing/key")).rejects.toMatchObject({ name: "NotFoundError", status: 404 });
      await expect(store.getStream("missing/key")).rejects.toMatchObject({ name: "NotFoundError" });
      expect(await store.head("missing/key")).toBeUndefined();
      await expect(store.delete("missing/key")).resolves.toBeUndefined();
    });

    it("refuses unsafe keys with InvalidInputError invalid_key", async () => {
      const store = await makeStore();
      for (const key of ["/abs", "../up", "a/../b", "a\\b", "nul\0", "", "a//b", "trailing/"]) {
        await expect(store.put(key, "x"), key).rejects.toMatchObject({
          name: "InvalidInputError",
          code: "invalid_key",
        });
        await expect(store.get(key), key).rejects.toMatchObject({ code: "invalid_key" });
        await expect(store.head(key), key).rejects.toMatchObject({ code: "invalid_key" });
        await expect(store.delete(key), key).rejects.toMatchObject({ code: "invalid_key" });
      }
      await expect(store.listPage("../x")).rejects.toMatchObject({ code: "invalid_key" });
    });

    it("lists lexicographically under a prefix, page by page", async () => {
      const store = await makeStore();
      const keys = ["p/b", "p/a/2", "p/a/10", "p/c.txt", "p/ab", "p/Z", "p/a/1", "q/outside", "pp"];
      await Promise.all(keys.map((k) => store.put(k, k)));
      const expected = keys.filter((k) => k.startsWith("p/")).sort();
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await store.listPage("p/", { token, limit: 2 });
        expect(page.objects.length).toBeLessThanOrEqual(2);
        seen.push(...page.objects.map((o) => o.key));
        token = page.nextToken;
        pages++;
      } while (token !== undefined);
      expect(seen).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 2));
      expect(await collect(store.list("p/a"))).toEqual(["p/a/1", "p/a/10", "p/a/2", "p/ab"]);
      expect(await collect(store.list(""))).toEqual([...keys].sort());
      const one = (await store.listPage("p/c")).objects[0];
      expect(one).toMatchObject({ key: "p/c.txt", size: 7, etag: md5(Buffer.from("p/c.txt")) });
    });

    it("deletes objects so they are neither readable nor listed", async () => {
      const store = await makeStore();
      await store.put("d/x/1", "1");
      await store.put("d/y", "2");
      await store.delete("d/x/1");
      expect(await store.head("d/x/1")).toBeUndefined();
      expect(await collect(store.list("d/"))).toEqual(["d/y"]);
      await store.put("d/x/1", "again");
      expect((await store.get("d/x/1")).toString()).toBe("again");
    });

    it("ifAbsent writes once, then throws ConflictError already_exists and keeps the first body", async () => {
      const store = await makeStore();
      await store.put("jobs/1/status.json", "first", { ifAbsent: true });
      await expect(store.put("jobs/1/status.json", "second", { ifAbsent: true })).rejects.toMatchObject({
        name: "ConflictError",
        code: "already_exists",
      });
      expect((await store.get("jobs/1/status.json")).toString()).toBe("first");
    });

    it("lets exactly one of many concurrent ifAbsent puts win", async () => {
      const store = await makeStore();
      const bodies = Array.from({ length: 8 }, (_, i) => `writer-${i}`);
      const results = await Promise.allSettled(
        bodies.map((b) => store.put("race/claim", b, { ifAbsent: true })),
      );
      const winners = results.filter((r) => r.status === "fulfilled");
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "already_exists" });
      }
      const stored = (await store.get("race/claim")).toString();
      const winnerIndex = results.findIndex((r) => r.status === "fulfilled");
      expect(stored).toBe(bodies[winnerIndex]);
    });

    it("ifMatch writes only over the ETag it names, else ConflictError precondition_failed", async () => {
      const store = await makeStore();
      const first = await store.put("jobs/2/status.json", "v1");
      const second = await store.put("jobs/2/status.json", "v2", { ifMatch: first.etag });
      expect((await store.head("jobs/2/status.json"))?.etag).toBe(second.etag);
      await expect(store.put("jobs/2/status.json", "stale", { ifMatch: first.etag })).rejects.toMatchObject({
        name: "ConflictError",
        code: "precondition_failed",
      });
      await expect(store.put("jobs/3/status.json", "none", { ifMatch: first.etag })).rejects.toMatchObject({
        code: "precondition_failed",
      });
      expect((await store.get("jobs/2/status.json")).toString()).toBe("v2");
      expect(await store.head("jobs/3/status.json")).toBeUndefined();
    });

    it("round-trips a body large enough for a multipart upload", async () => {
      const store = await makeStore();
      const big = randomBytes(11 * 1024 * 1024);
      const info = await store.put("big/blob.bin", big);
      expect(info.size).toBe(big.length);
      expect(md5(await store.get("big/blob.bin"))).toBe(md5(big));
      expect(md5(await readStream(await store.getStream("big/blob.bin")))).toBe(md5(big));
    });
  });
}
