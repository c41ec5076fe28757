/**
 * The bulk batch function and the local runner against real stores: images on moto S3 (one corrupt, one text
 * file), parts and the `_SUCCESS` manifest checked, a re-run skipping finished parts; the Distributed Map's batch
 * event shape; a directory in, a directory out.
 */
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type BulkManifest,
  bulkSource,
  type ObjectStore,
  openObjectStore,
  parseBulkBatchEvent,
  parseBulkSpec,
  runBulkBatch,
  runBulkLocal,
  ServingCore,
} from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestConfig, uniqueName } from "../../support/aws.js";
import { jpeg, LABELS, type ServingFixture, servingFixture } from "../serving/support/fixtures.js";

let fx: ServingFixture;
let core: ServingCore;
let bucket: string;
let s3: (location: string) => ObjectStore;
const GOOD = ["images/a.jpg", "images/b.jpg", "images/c.jpg", "images/d.jpg", "images/sub/e.jpg"];

beforeAll(async () => {
  await initBackend({ logger: () => undefined });
  fx = await servingFixture();
  core = new ServingCore({ store: fx.store, engine: "onnx", ortThread: "main" });
  const { endpoint, region, credentials } = awsTestConfig();
  bucket = uniqueName("bulk");
  await new S3Client(awsTestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
  s3 = (location) => openObjectStore(location, { endpoint, region, credentials });
  const store = s3(`s3://${bucket}`);
  for (const [i, key] of GOOD.entries()) await store.put(key, await jpeg(40 + i * 4, 36, i + 1));
  const truncated = (await jpeg(64, 64, 9)).subarray(0, 300);
  await store.put("images/broken.jpg", truncated);
  await store.put("images/notes.txt", "not an image");
  await store.put("other/outside.jpg", await jpeg(40, 40, 7));
});

afterAll(() => core?.close());

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { key: string; model: string; version: string; embedding: number[] });

describe("bulk embed over an S3 prefix (moto)", () => {
  const run = () => {
    const { source, prefix } = bulkSource(`s3://${bucket}/images`);
    return parseBulkSpec({ mode: "embed", model: "pets", source, prefix, out: `s3://${bucket}/bulk/run-1` });
  };

  it("writes a part per batch and a manifest; bad images are reported per key with a reason", async () => {
    const spec = run();
    const out = s3(spec.out);
    const manifest = await runBulkLocal(spec, {
      core,
      source: s3(spec.source),
      out,
      itemsPerBatch: 3,
      concurrency: 2,
    });
    expect(manifest.counts).toEqual({ input: 7, done: 5, failed: 2 });
    expect(manifest.parts).toHaveLength(3);
    expect(manifest).toMatchObject({ mode: "embed", model: "pets", version: fx.version, prefix: "images/" });
    const reasons = Object.fromEntries(manifest.failures.map((f) => [f.key, f.code]));
    expect(reasons).toEqual({
      "images/broken.jpg": "image_truncated",
      "images/notes.txt": "image_not_an_image",
    });
    for (const f of manifest.failures) expect(f.reason.length).toBeGreaterThan(10);
    const stored = JSON.parse((await out.get("_SUCCESS")).toString()) as BulkManifest;
    expect(stored.counts).toEqual(manifest.counts);

    const rows = (
      await Promise.all(manifest.parts.map(async (p) => lines((await out.get(p.key)).toString())))
    ).flat();
    expect(rows.map((r) => r.key).sort()).toEqual([...GOOD].sort());
    const ref = await core.embed({
      model: "pets",
      images: [{ bytes: await s3(`s3://${bucket}`).get("images/b.jpg") }],
      normalize: true,
      topK: 5,
    });
    const b = rows.find((r) => r.key === "images/b.jpg")!;
    expect(b).toMatchObject({ model: "pets", version: fx.version });
    expect(b.embedding).toHaveLength(64);
    b.embedding.forEach((v, i) => {
      expect(v).toBeCloseTo(ref.embeddings[0]![i]!, 5);
    });
  });

  it("re-running skips the finished parts and leaves them as they were", async () => {
    const spec = run();
    const out = s3(spec.out);
    const before = await Promise.all(
      (await out.listPage("part-")).objects.map(async (o) => [o.key, o.etag, o.lastModified.getTime()]),
    );
    const seen: number[] = [];
    const manifest = await runBulkLocal(spec, {
      core,
      source: s3(spec.source),
      out,
      itemsPerBatch: 3,
      onProgress: (p) => seen.push(p.skipped),
    });
    expect(seen.at(-1)).toBe(3);
    expect(manifest.counts).toEqual({ input: 7, done: 5, failed: 2 });
    const after = (await out.listPage("part-")).objects.map((o) => [o.key, o.etag, o.lastModified.getTime()]);
    expect(after).toEqual(before);
  });

  it("runs the Distributed Map's batch event as the Lambda does, and refuses a malformed one", async () => {
    const spec = { ...run(), out: `s3://${bucket}/bulk/run-2` };
    const event = parseBulkBatchEvent({
      Items: [
        {
          Key: "images/a.jpg",
          Size: 1000,
          Etag: '"x"',
          LastModified: "2026-01-01",
          StorageClass: "STANDARD",
        },
        { Key: "images/missing.jpg" },
        { Key: "images/sub/", Size: 0 },
      ],
      BatchInput: spec,
    });
    const summary = await runBulkBatch(event.Items, {
      core,
      source: s3(spec.source),
      out: s3(spec.out),
      spec: event.BatchInput,
    });
    expect(summary).toMatchObject({ input: 2, done: 1, model: "pets", version: fx.version });
    expect(summary.failed.map((f) => [f.key, f.code])).toEqual([["images/missing.jpg", "object_not_found"]]);
    expect(() => parseBulkBatchEvent({ Items: [], BatchInput: { mode: "paint" } })).toThrow(
      expect.objectContaining({ code: "invalid_bulk_input", message: expect.stringMatching(/Items.*mode/s) }),
    );
  });
});

describe("bulk classify from a directory to a directory", () => {
  it("writes {key, predictions} lines and the same layout", async () => {
    const dir = await mkdtemp(join(tmpdir(), "bulk-in-"));
    const outDir = await mkdtemp(join(tmpdir(), "bulk-out-"));
    for (const i of [1, 2, 3]) await writeFile(join(dir, `img-${i}.jpg`), await jpeg(48, 40, i));
    await writeFile(join(dir, "empty.jpg"), "");
    const spec = parseBulkSpec({ mode: "classify", model: "pets", source: dir, out: outDir, topK: 2 });
    const manifest = await runBulkLocal(spec, { core, source: s3(dir), out: s3(outDir), itemsPerBatch: 2 });
    expect(manifest.counts).toEqual({ input: 4, done: 3, failed: 1 });
    expect(manifest.failures).toEqual([expect.objectContaining({ key: "empty.jpg", code: "image_empty" })]);
    const files = (await readdir(outDir)).filter((f) => f !== ".objstore").sort();
    expect(files).toEqual(["_SUCCESS", "_parts", ...manifest.parts.map((p) => p.key)].sort());
    const all = (
      await Promise.all(
        manifest.parts.map(async (p) => (await readFile(join(outDir, p.key), "utf8")).trim().split("\n")),
      )
    )
      .flat()
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { key: string; predictions: Array<{ label: string; score: number }> });
    expect(all.map((r) => r.key).sort()).toEqual(["img-1.jpg", "img-2.jpg", "img-3.jpg"]);
    for (const r of all) {
      expect(Object.keys(r).sort()).toEqual(["key", "predictions"]);
      expect(r.predictions).toHaveLength(2);
      for (const p of r.predictions) expect(LABELS).toContain(p.label);
    }
  });
});
