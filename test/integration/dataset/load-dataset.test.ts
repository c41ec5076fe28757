/**
 * loadDataset end to end over a real LocalObjectStore (temp dir): the three formats, the report, and every
 * bad-input case from the issue, each asserting its specific code and that the good files survive.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatasetError, LocalObjectStore, loadDataset } from "@residual/pipeline";
import sharp from "sharp";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  filesToZip,
  makeHugePng,
  makeShapeImage,
  makeShapesDataset,
  makeTar,
  makeZip,
} from "../../support/images.js";

let root: string;
let store: LocalObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "residual-ds-"));
  store = new LocalObjectStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function expectCode(p: Promise<unknown>, code: string): Promise<DatasetError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatasetError);
  expect((err as DatasetError).code).toBe(code);
  return err as DatasetError;
}

describe("archive uploads", () => {
  it("reads a zip with a top folder, residual.json, hidden files; splits 80/20 stratified", async () => {
    const files = await makeShapesDataset({ classes: ["circle", "square"], perClass: 5, prefix: "shapes/" });
    const extra = [
      { name: "shapes/residual.json", data: Buffer.from('{"epochs":3}') },
      { name: "__MACOSX/shapes/circle/._circle_0.png", data: Buffer.from("junk") },
      { name: "shapes/circle/.DS_Store", data: Buffer.from("junk") },
      { name: "shapes/square/Thumbs.db", data: Buffer.from("junk") },
    ];
    await store.put("datasets/shapes.zip", filesToZip(files, extra));
    const ds = await loadDataset(store, "datasets/shapes.zip", { seed: 3 });
    expect(ds.classes).toEqual(["circle", "square"]);
    expect(ds.spec).toEqual({ epochs: 3 });
    expect(ds.train.length + ds.val.length).toBe(10);
    expect(ds.report.counts.val).toEqual({ circle: 1, square: 1 });
    expect(ds.report.skipped).toEqual([]);
    expect(ds.workDir).toBeDefined();
  });

  it("reads tar.gz with train/ and val/ folders and keeps the given split", async () => {
    const train = await makeShapesDataset({ classes: ["circle", "ring"], perClass: 3, prefix: "train/" });
    const val = await makeShapesDataset({
      classes: ["circle", "ring"],
      perClass: 2,
      prefix: "val/",
      seed: 9,
    });
    const tgz = await makeTar(
      [...train, ...val].map(([name, data]) => ({ name, data })),
      { gzip: true },
    );
    await store.put("datasets/split.tar.gz", tgz);
    const ds = await loadDataset(store, "datasets/split.tar.gz");
    expect(ds.report.valSource).toBe("given");
    expect(ds.train).toHaveLength(6);
    expect(ds.val).toHaveLength(4);
  });

  it("skips corrupt, truncated, text-as-jpg, empty and huge images with reasons and keeps the rest", async () => {
    const files = await makeShapesDataset({ classes: ["circle", "square"], perClass: 3 });
    const jpg = await makeShapeImage({ format: "jpeg", width: 80, height: 60 });
    const png = await makeShapeImage({ format: "png", width: 80, height: 60 });
    const corrupt = Buffer.concat([jpg.subarray(0, 200), Buffer.alloc(300, 0x41), jpg.subarray(500)]);
    const bad = new Map<string, Buffer>([
      ["circle/corrupt.jpg", corrupt],
      ["circle/truncated.png", png.subarray(0, png.length - 40)],
      ["square/text.jpg", Buffer.from("definitely not a jpeg")],
      ["square/empty.png", Buffer.alloc(0)],
      ["square/bomb.png", makeHugePng(20000, 20000)],
      ["square/tiny.png", await makeShapeImage({ width: 8, height: 8 })],
    ]);
    await store.put("datasets/bad.zip", filesToZip(new Map([...files, ...bad])));
    const ds = await loadDataset(store, "datasets/bad.zip");
    const reasons = Object.fromEntries(ds.report.skipped.map((s) => [s.path, s.reason]));
    expect(reasons).toEqual({
      "circle/corrupt.jpg": "not_decodable",
      "circle/truncated.png": "truncated",
      "square/text.jpg": "not_an_image",
      "square/empty.png": "empty",
      "square/bomb.png": "too_many_pixels",
      "square/tiny.png": "too_small",
    });
    expect(ds.train.length + ds.val.length).toBe(6);
  });

  it("skips SVG, GIF, TIFF and BMP files (any name) as unsupported_format with a reason; the job goes on", async () => {
    const files = await makeShapesDataset({ classes: ["circle", "square"], perClass: 3 });
    const px = sharp({ create: { width: 64, height: 64, channels: 3, background: "#888" } });
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><image href="file:///etc/passwd"/></svg>',
    );
    const bmp = Buffer.concat([Buffer.from("BM"), Buffer.alloc(68)]);
    const odd = new Map<string, Buffer>([
      ["circle/vector.svg", svg],
      ["circle/looks-like.png", svg],
      ["square/anim.gif", await px.clone().gif().toBuffer()],
      ["square/scan.jpg", await px.clone().tiff().toBuffer()],
      ["square/old.bmp", bmp],
    ]);
    await store.put("datasets/formats.zip", filesToZip(new Map([...files, ...odd])));
    const ds = await loadDataset(store, "datasets/formats.zip");
    const skipped = Object.fromEntries(ds.report.skipped.map((s) => [s.path, [s.reason, s.detail]]));
    expect(skipped).toEqual({
      "circle/vector.svg": ["unsupported_format", expect.stringMatching(/^image format SVG is not accepted/)],
      "circle/looks-like.png": ["unsupported_format", expect.stringMatching(/^image format SVG/)],
      "square/anim.gif": ["unsupported_format", expect.stringMatching(/^image format GIF/)],
      "square/scan.jpg": ["unsupported_format", expect.stringMatching(/^image format TIFF/)],
      "square/old.bmp": ["unsupported_format", expect.stringMatching(/^image format BMP/)],
    });
    expect(ds.train.length + ds.val.length).toBe(6);
  });

  it("handles non-UTF-8 (CP437) and space-containing names", async () => {
    const img = await makeShapeImage();
    const cafe = Buffer.from([0x63, 0x61, 0x66, 0x82, 0x2f, 0x61, 0x20, 0x62, 0x2e, 0x70, 0x6e, 0x67]); // "café/a b.png"
    const zip = makeZip([
      { name: cafe, data: img },
      { name: Buffer.from("caf\x82/c d.png", "latin1"), data: await makeShapeImage({ seed: 4 }) },
      { name: "big dog/x y.png", data: await makeShapeImage({ seed: 2 }) },
      { name: "big dog/z.png", data: await makeShapeImage({ seed: 3 }) },
    ]);
    await store.put("datasets/names.zip", zip);
    const ds = await loadDataset(store, "datasets/names.zip", { valFraction: 0 });
    expect(ds.classes).toEqual(["big dog", "café"]);
    expect(ds.train.map((s) => s.path).sort()).toContain("café/a b.png");
  });

  it("ignores nested archives with a warning", async () => {
    const files = await makeShapesDataset({ perClass: 2 });
    await store.put(
      "datasets/nested.zip",
      filesToZip(files, [{ name: "circle/more.zip", data: filesToZip(files) }]),
    );
    const ds = await loadDataset(store, "datasets/nested.zip", { valFraction: 0 });
    expect(ds.report.warnings.map((w) => w.code)).toContain("nested_archive_ignored");
    expect(ds.report.skipped).toEqual([
      expect.objectContaining({ path: "circle/more.zip", reason: "nested_archive" }),
    ]);
    expect(ds.train).toHaveLength(4);
  });

  it.each([
    ["zip slip", [{ name: "../../evil.png" }], "archive_path_traversal"],
    ["absolute path", [{ name: "/etc/evil.png" }], "archive_path_traversal"],
    ["symlink", [{ name: "circle/link.png", mode: 0o120777 }], "archive_symlink"],
  ])("rejects %s", async (_what, evil, code) => {
    const files = await makeShapesDataset({ perClass: 2 });
    const data = Buffer.from("x");
    await store.put(
      "datasets/evil.zip",
      filesToZip(
        files,
        evil.map((e) => ({ ...e, data })),
      ),
    );
    await expectCode(loadDataset(store, "datasets/evil.zip"), code);
  });

  it("rejects a tar symlink and a tar traversal", async () => {
    await store.put(
      "datasets/l.tar",
      await makeTar([{ name: "a/l", type: "symlink", linkname: "/etc/passwd" }]),
    );
    await expectCode(loadDataset(store, "datasets/l.tar"), "archive_symlink");
    await store.put("datasets/t.tar", await makeTar([{ name: "../x.png", data: Buffer.from("x") }]));
    await expectCode(loadDataset(store, "datasets/t.tar"), "archive_path_traversal");
  });

  it("rejects a zip bomb by counting inflated bytes, even when headers lie", async () => {
    const bomb = makeZip([{ name: "circle/a.png", data: Buffer.alloc(8 * 1024 * 1024), declaredSize: 100 }]);
    expect(bomb.length).toBeLessThan(20_000);
    await store.put("datasets/bomb.zip", bomb);
    await expectCode(
      loadDataset(store, "datasets/bomb.zip", { maxUncompressedBytes: 1024 * 1024 }),
      "archive_too_large",
    );
  });

  it("caps an archive by its compression ratio by default, before inflating a byte", async () => {
    const bomb = makeZip([{ name: "circle/a.png", data: Buffer.alloc(100 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await store.put("datasets/ratio.zip", bomb);
    const err = await expectCode(loadDataset(store, "datasets/ratio.zip"), "archive_too_large");
    expect(err.message).toContain("maxCompressionRatio");
  });

  it("caps an archive by the free space of the disk it is extracted to", async () => {
    // 30 entries declaring 3.75 GiB each: more than this disk can spare, whatever the configured total and ratio.
    const entries = Array.from({ length: 30 }, (_, i) => ({
      name: `circle/${i}.png`,
      data: Buffer.from("x"),
      declaredSize: 0xf0000000,
    }));
    await store.put("datasets/disk.zip", makeZip(entries));
    const huge = { maxUncompressedBytes: 1e15, maxCompressionRatio: 1e12 };
    const err = await expectCode(loadDataset(store, "datasets/disk.zip", huge), "archive_too_large");
    expect(err.message).toContain("free disk space");
  });

  it("rejects too many entries", async () => {
    const files = await makeShapesDataset({ perClass: 3 });
    await store.put("datasets/many.zip", filesToZip(files));
    await expectCode(loadDataset(store, "datasets/many.zip", { maxEntries: 4 }), "archive_too_many_entries");
  });
});

describe("dataset-level errors", () => {
  it("fails on a single class", async () => {
    await store.put(
      "datasets/one.zip",
      filesToZip(await makeShapesDataset({ classes: ["circle"], perClass: 3 })),
    );
    await expectCode(loadDataset(store, "datasets/one.zip"), "too_few_classes");
  });

  it("fails on an empty class folder and names it", async () => {
    const files = await makeShapesDataset({ perClass: 3 });
    await store.put("datasets/empty.zip", filesToZip(files, [{ name: "triangle/", mode: 0o040755 }]));
    const err = await expectCode(loadDataset(store, "datasets/empty.zip"), "class_too_small");
    expect(err.message).toContain("triangle: 0 valid");
  });
});

describe("folder and manifest uploads", () => {
  it("needs the residual.json marker, then reads the folder", async () => {
    const files = await makeShapesDataset({ perClass: 3 });
    for (const [k, v] of files) await store.put(`datasets/folder/${k}`, v);
    await expectCode(loadDataset(store, "datasets/folder/"), "dataset_incomplete");
    await store.put("datasets/folder/residual.json", "{}");
    const ds = await loadDataset(store, "datasets/folder");
    expect(ds.spec).toEqual({});
    expect(ds.train.length + ds.val.length).toBe(6);
    expect(ds.train[0]!.ref.kind).toBe("store");
  });

  it("reads a CSV manifest with splits and relative paths", async () => {
    const files = await makeShapesDataset({ perClass: 3 });
    for (const [k, v] of files) await store.put(`datasets/m/img/${k}`, v);
    const lines = [...files.keys()].map(
      (k, i) => `"img/${k}",${k.split("/")[0]},${i % 3 === 0 ? "val" : "train"}`,
    );
    await store.put("datasets/m/labels.csv", `image,label,split\n${lines.join("\n")}\n`);
    const ds = await loadDataset(store, "datasets/m/labels.csv");
    expect(ds.report.valSource).toBe("given");
    expect(ds.val).toHaveLength(2);
  });

  it("reports invalid manifest lines with line numbers", async () => {
    await store.put("datasets/bad.jsonl", '{"image":"a.png","label":"x"}\nnot json\n{"image":"b.png"}\n');
    const err = await expectCode(loadDataset(store, "datasets/bad.jsonl"), "manifest_invalid_line");
    expect(err.issues?.map((i) => i.path[0])).toEqual([2, 3]);
  });

  it("fails on an unknown label in val and on a missing image", async () => {
    const img = await makeShapeImage();
    await store.put("d/a.png", img);
    const rows = [
      { image: "a.png", label: "cat" },
      { image: "a.png", label: "dog" },
      { image: "a.png", label: "bird", split: "val" },
    ];
    await store.put("d/m.jsonl", rows.map((r) => JSON.stringify(r)).join("\n"));
    await expectCode(loadDataset(store, "d/m.jsonl"), "val_label_not_in_train");
    await store.put(
      "d/m2.jsonl",
      [...rows.slice(0, 2), { image: "gone.png", label: "cat" }].map((r) => JSON.stringify(r)).join("\n"),
    );
    const err = await expectCode(
      loadDataset(store, "d/m2.jsonl", { minImagesPerClass: 1 }),
      "manifest_missing_image",
    );
    expect(err.message).toContain("gone.png");
  });

  it("warns about near-duplicate train/val images", async () => {
    const a = await makeShapeImage({ seed: 5, width: 64, height: 64 });
    const rows = [
      { image: "a.png", label: "cat" },
      { image: "b.png", label: "cat" },
      { image: "c.png", label: "dog" },
      { image: "a.png", label: "cat", split: "val" },
    ];
    await store.put("d/a.png", a);
    await store.put("d/b.png", await makeShapeImage({ seed: 6, shape: "square" }));
    await store.put("d/c.png", await makeShapeImage({ seed: 7, shape: "cross" }));
    await store.put("d/m.jsonl", rows.map((r) => JSON.stringify(r)).join("\n"));
    const ds = await loadDataset(store, "d/m.jsonl", { minImagesPerClass: 1 });
    const dup = ds.report.warnings.filter((w) => w.code === "near_duplicate");
    expect(dup).toHaveLength(1);
    expect(dup[0]!.paths).toEqual(["a.png (line 1)", "a.png (line 4)"]);
  });
});
