import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  claimJob,
  InvalidInputError,
  jobIdFor,
  LocalObjectStore,
  LocalQueue,
  uploadDataset,
} from "@residual/pipeline";
import { parseDatasetMessage, scanDatasets } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), "residual-upload-"));
}

describe("uploadDataset", () => {
  it("uploads a folder with its marker last and skips hidden files", async () => {
    const src = await tmp();
    await mkdir(join(src, "cats"), { recursive: true });
    await mkdir(join(src, "__MACOSX"), { recursive: true });
    await writeFile(join(src, "cats", "a 1.png"), "x");
    await writeFile(join(src, ".DS_Store"), "x");
    await writeFile(join(src, "__MACOSX", "junk"), "x");
    await writeFile(join(src, "residual.json"), '{"epochs": 2}');
    const store = new LocalObjectStore(await tmp());
    const order: string[] = [];
    const res = await uploadDataset(store, src, { name: "Pets", onFile: (k) => order.push(k) });
    expect(res.key).toBe("datasets/pets/residual.json");
    expect(order).toEqual(["datasets/pets/cats/a 1.png", "datasets/pets/residual.json"]);
    expect((await store.get(res.key)).toString()).toBe('{"epochs": 2}');
  });

  it("rejects what is not a dataset with a specific error", async () => {
    const store = new LocalObjectStore(await tmp());
    const dir = await tmp();
    await writeFile(join(dir, "notes.txt"), "x");
    await expect(uploadDataset(store, join(dir, "notes.txt"))).rejects.toMatchObject({
      code: "unsupported_archive",
    });
    await expect(uploadDataset(store, join(dir, "missing"))).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe("scanDatasets (local notifications)", () => {
  it("announces a new archive once it is stable, once, and never one that already has a job", async () => {
    const home = await tmp();
    const store = new LocalObjectStore(home);
    const queue = new LocalQueue(join(home, ".queue"));
    const seen = new Map<string, string>();
    const announced = new Set<string>();
    await store.put("datasets/a.zip", "zip-a");
    await store.put("datasets/a/readme.txt", "not a dataset key");
    expect(await scanDatasets({ store, queue }, seen, announced)).toEqual([]); // first sight: wait to settle
    expect(await scanDatasets({ store, queue }, seen, announced)).toEqual(["datasets/a.zip"]);
    expect(await scanDatasets({ store, queue }, seen, announced)).toEqual([]);
    const [msg] = await queue.receive({ max: 10 });
    expect(parseDatasetMessage(msg!.body).events[0]).toMatchObject({
      bucket: "local",
      key: "datasets/a.zip",
    });

    // After a restart (fresh memory), a dataset whose job exists is not announced again.
    const info = await store.head("datasets/a.zip");
    await claimJob(store, jobIdFor({ bucket: "local", key: "datasets/a.zip", etag: info!.etag }), {
      bucket: "local",
      key: "datasets/a.zip",
      etag: info!.etag,
      kind: "archive",
    });
    const seen2 = new Map<string, string>();
    const announced2 = new Set<string>();
    await scanDatasets({ store, queue }, seen2, announced2);
    expect(await scanDatasets({ store, queue }, seen2, announced2)).toEqual([]);
  });
});
