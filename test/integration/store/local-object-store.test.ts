import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalObjectStore } from "@residual/pipeline";
import { describe, expect, it } from "vitest";
import { describeObjectStoreContract } from "./object-store-contract.js";

const newRoot = (): Promise<string> => mkdtemp(join(tmpdir(), "residual-store-"));

describeObjectStoreContract("LocalObjectStore", async () => new LocalObjectStore(await newRoot()));

describe("LocalObjectStore specifics", () => {
  it("maps keys to files under the root and reports a file:// url", async () => {
    const root = await newRoot();
    const store = new LocalObjectStore(root);
    await store.put("datasets/flowers/residual.json", "{}");
    expect(await readdir(join(root, "datasets", "flowers"))).toEqual(["residual.json"]);
    expect(store.url).toBe(`file://${root}`);
  });

  it("never lets readers see a half-written file while a writer overwrites", async () => {
    const store = new LocalObjectStore(await newRoot());
    const versions = [Buffer.alloc(2_000_000, 1), Buffer.alloc(2_000_000, 2)];
    await store.put("hot", versions[0]!);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 20; i++) await store.put("hot", versions[i % 2]!);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const got = await store.get("hot");
      expect(got.length).toBe(2_000_000);
      expect(got.equals(versions[0]!) || got.equals(versions[1]!)).toBe(true);
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });

  it("never lists temp or metadata files and reserves the .objstore prefix", async () => {
    const root = await newRoot();
    const store = new LocalObjectStore(root);
    await store.put("a", "1", { contentType: "text/plain" });
    const keys: string[] = [];
    for await (const o of store.list("")) keys.push(o.key);
    expect(keys).toEqual(["a"]);
    await expect(store.put(".objstore/tmp/x", "1")).rejects.toMatchObject({ code: "invalid_key" });
  });

  it("leaves no empty directories behind deleted keys", async () => {
    const root = await newRoot();
    const store = new LocalObjectStore(root);
    await store.put("deep/er/key", "1", { contentType: "text/plain" });
    await store.put("keep", "2");
    await store.delete("deep/er/key");
    expect(await readdir(root)).toEqual([".objstore", "keep"]);
    expect(await readdir(join(root, ".objstore", "meta"))).toEqual(["keep.json"]);
  });

  it("computes MD5 ETags for files written by other tools", async () => {
    const root = await newRoot();
    await mkdir(join(root, "ext"), { recursive: true });
    await writeFile(join(root, "ext", "f.bin"), "external bytes");
    const store = new LocalObjectStore(root);
    const md5 = createHash("md5").update("external bytes").digest("hex");
    expect((await store.head("ext/f.bin"))?.etag).toBe(md5);
    // A rewrite behind the store's back is noticed (the sidecar/cache is keyed by inode, size and mtime).
    await writeFile(join(root, "ext", "f.bin"), "changed!");
    expect((await store.head("ext/f.bin"))?.etag).toBe(createHash("md5").update("changed!").digest("hex"));
  });

  it("refuses a key that collides with a directory of other keys", async () => {
    const store = new LocalObjectStore(await newRoot());
    await store.put("x/y", "1");
    await expect(store.put("x", "2")).rejects.toMatchObject({
      name: "InvalidInputError",
      code: "key_conflict",
    });
    await expect(store.put("x/y/z", "3")).rejects.toMatchObject({ code: "key_conflict" });
    expect(await store.head("x")).toBeUndefined();
  });

  it("rejects malformed page tokens and limits", async () => {
    const store = new LocalObjectStore(await newRoot());
    await expect(store.listPage("", { token: "not a token!" })).rejects.toMatchObject({
      code: "invalid_token",
    });
    await expect(store.listPage("", { limit: 0 })).rejects.toMatchObject({ code: "invalid_limit" });
  });
});
