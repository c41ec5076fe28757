/** Archives that carry their own manifest (images laid out any way inside the archive). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { disposeDataset, LocalObjectStore, loadDataset } from "@residual/pipeline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeShapeImage, makeTar, makeZip } from "../../support/images.js";

let root: string;
let store: LocalObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "residual-archive-manifest-"));
  store = new LocalObjectStore(root);
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const img = (seed: number) => makeShapeImage({ seed });

describe("archive with a manifest", () => {
  it("reads manifest.csv at the zip root: labels from the manifest, not from folders", async () => {
    const csv = ["image,label", "flat/1.png,cat", "flat/2.png,cat", "flat/3.png,dog", '"flat/4 x.png",dog'];
    const zip = makeZip([
      { name: "manifest.csv", data: Buffer.from(csv.join("\n")) },
      { name: "flat/1.png", data: await img(1) },
      { name: "flat/2.png", data: await img(2) },
      { name: "flat/3.png", data: await img(3) },
      { name: "flat/4 x.png", data: await img(4) },
      { name: "flat/unlisted.png", data: await img(5) },
    ]);
    await store.put("datasets/flat.zip", zip);
    const ds = await loadDataset(store, "datasets/flat.zip", { valFraction: 0 });
    try {
      expect(ds.classes).toEqual(["cat", "dog"]);
      expect(ds.train).toHaveLength(4);
      expect(ds.report.format).toBe("archive");
      expect(ds.train.map((s) => ds.classes[s.label]).sort()).toEqual(["cat", "cat", "dog", "dog"]);
    } finally {
      await disposeDataset(ds);
    }
  });

  it("reads manifest.jsonl under the archive's top folder, with val rows and residual.json beside it", async () => {
    const rows = [
      { image: "a.png", label: "x" },
      { image: "sub/b.png", label: "x" },
      { image: "c.png", label: "y" },
      { image: "d.png", label: "y" },
      { image: "e.png", label: "x", split: "val" },
      { image: "f.png", label: "y", split: "val" },
    ];
    const names = ["a.png", "sub/b.png", "c.png", "d.png", "e.png", "f.png"];
    const tgz = await makeTar(
      [
        { name: "data/manifest.jsonl", data: Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n")) },
        { name: "data/residual.json", data: Buffer.from(JSON.stringify({ epochs: 1 })) },
        ...(await Promise.all(names.map(async (n, i) => ({ name: `data/${n}`, data: await img(10 + i) })))),
      ],
      { gzip: true },
    );
    await store.put("datasets/data.tar.gz", tgz);
    const ds = await loadDataset(store, "datasets/data.tar.gz");
    try {
      expect(ds.classes).toEqual(["x", "y"]);
      expect(ds.train).toHaveLength(4);
      expect(ds.val).toHaveLength(2);
      expect(ds.report.valSource).not.toBe("split");
      expect(ds.spec).toBeDefined();
    } finally {
      await disposeDataset(ds);
    }
  });

  it("fails with manifest_missing_image for rows naming absent entries or escaping the archive", async () => {
    const csv = ["image,label", "1.png,a", "2.png,b", "gone.png,a", "../../etc/passwd,b"];
    const zip = makeZip([
      { name: "manifest.csv", data: Buffer.from(csv.join("\n")) },
      { name: "1.png", data: await img(1) },
      { name: "2.png", data: await img(2) },
    ]);
    await store.put("datasets/missing.zip", zip);
    const err = await loadDataset(store, "datasets/missing.zip").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "manifest_missing_image" });
    expect((err as Error).message).toContain("gone.png (line 4)");
    expect((err as Error).message).toContain("../../etc/passwd (line 5)");
  });

  it("rejects two manifests at the same depth", async () => {
    const zip = makeZip([
      { name: "manifest.csv", data: Buffer.from("image,label\n1.png,a\n") },
      { name: "manifest.jsonl", data: Buffer.from('{"image":"1.png","label":"a"}\n') },
      { name: "1.png", data: await img(1) },
    ]);
    await store.put("datasets/two.zip", zip);
    await expect(loadDataset(store, "datasets/two.zip")).rejects.toMatchObject({
      code: "archive_ambiguous_manifest",
    });
  });
});
