/**
 * Tar entry names in legacy encodings: a hand-written ustar archive (tar-stream's packer only writes UTF-8), with
 * Latin-1 and UTF-8 header bytes and spaces, read through the dataset loader.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalObjectStore, loadDataset } from "@residual/pipeline";
import { decodeTarName } from "@residual/pipeline/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeShapeImage, makeTar } from "../../support/images.js";

function octal(buf: Buffer, at: number, width: number, value: number): void {
  buf.write(`${value.toString(8).padStart(width - 1, "0")}\0`, at, "ascii");
}

/** One ustar file entry whose name is the given raw bytes. */
function ustarEntry(name: Buffer, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  name.copy(h, 0);
  octal(h, 100, 8, 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, data.length);
  octal(h, 136, 12, 1_700_000_000);
  h.write("        ", 148, "ascii"); // checksum field counts as spaces
  h.write("0", 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad]);
}

let root: string;
let store: LocalObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "residual-tar-names-"));
  store = new LocalObjectStore(root);
});
afterEach(async () => rm(root, { recursive: true, force: true }));

describe("tar entry names", () => {
  it("decodes Latin-1 and UTF-8 header bytes, keeps spaces, and keeps one image per name", async () => {
    const img = (seed: number) => makeShapeImage({ seed });
    const tar = Buffer.concat([
      ustarEntry(Buffer.from("caf\xe9/a b.png", "latin1"), await img(1)), // Latin-1 é
      ustarEntry(Buffer.from("caf\xe9/c.png", "latin1"), await img(2)),
      ustarEntry(Buffer.from("café/a b.png", "utf8"), await img(3)), // UTF-8 é: the same class
      ustarEntry(Buffer.from("na\xefve dog/\xfc.png", "latin1"), await img(4)), // ï, ü
      ustarEntry(Buffer.from("naïve dog/x y.png", "utf8"), await img(5)),
      Buffer.alloc(1024),
    ]);
    await store.put("datasets/legacy.tar", tar);
    const ds = await loadDataset(store, "datasets/legacy.tar", { valFraction: 0, minImagesPerClass: 1 });
    expect(ds.classes).toEqual(["café", "naïve dog"]);
    const paths = ds.train.map((s) => s.path).sort();
    expect(paths).toEqual(["café/a b.png", "café/c.png", "naïve dog/x y.png", "naïve dog/ü.png"]);
    // The Latin-1 and the UTF-8 "café/a b.png" are the same name: the later entry wins, as `tar -x` leaves it.
    expect(ds.report.warnings).toContainEqual(
      expect.objectContaining({ code: "duplicate_entry", paths: ["café/a b.png"] }),
    );
    expect(ds.report.skipped).toEqual([]);
  });

  it("leaves pax (already Unicode) names alone", async () => {
    expect(decodeTarName("日本/猫.png")).toBe("日本/猫.png");
    expect(decodeTarName(Buffer.from("ü/a.png", "utf8").toString("latin1"))).toBe("ü/a.png");
    expect(decodeTarName("\xfc/a.png")).toBe("ü/a.png");
    // tar-stream writes a pax header for a long name; the loader reads it back as written.
    const long = `${"ü".repeat(60)}/${"é".repeat(60)}.png`;
    const tar = await makeTar([
      { name: long, data: await makeShapeImage({ seed: 6 }) },
      { name: "b/x.png", data: await makeShapeImage({ seed: 7 }) },
    ]);
    await store.put("datasets/pax.tar", tar);
    const ds = await loadDataset(store, "datasets/pax.tar", { valFraction: 0, minImagesPerClass: 1 });
    expect(ds.classes).toEqual(["b", "ü".repeat(60)]);
  });
});
