/**
 * The bulk Lambdas as the state machine calls them, on moto S3: a Distributed Map batch event (the ItemBatcher's
 * `{ Items, BatchInput }`) into `bulk.handler`, then the execution input into `bulk-manifest.handler`.
 */
import { type BulkManifest, openObjectStore } from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
import { parquetReadObjects } from "hyparquet";
import { beforeAll, describe, expect, it } from "vitest";
import {
  jpeg,
  type ServingFixture,
  servingFixture,
} from "../../test/integration/serving/support/fixtures.js";
import { lambdaTestEnv } from "./support/lambda-env.js";

type Handler = (e: unknown) => Promise<Record<string, unknown>>;
let batch: Handler;
let manifest: Handler;
let fx: ServingFixture;
let bucket: string;

describe("bulk Lambdas (Distributed Map events, moto S3)", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    bucket = await lambdaTestEnv("bulk-fn");
    fx = await servingFixture(openObjectStore(`s3://${bucket}`));
    for (const i of [1, 2, 3]) await fx.store.put(`images/p${i}.jpg`, await jpeg(40, 40, i));
    await fx.store.put("images/bad.jpg", (await jpeg(64, 64, 5)).subarray(0, 250));
    batch = (await import("../src/bulk.js")).handler as Handler;
    manifest = (await import("../src/bulk-manifest.js")).handler as Handler;
  });

  it("writes a part per batch event and the manifest from the execution input", async () => {
    const input = {
      mode: "embed",
      model: "pets",
      source: `s3://${bucket}`,
      prefix: "images/",
      out: `s3://${bucket}/bulk/r1`,
      normalize: true,
      topK: 5,
    };
    const events = [
      ["images/bad.jpg", "images/p1.jpg"],
      ["images/p2.jpg", "images/p3.jpg"],
    ].map((keys) => ({ Items: keys.map((Key) => ({ Key, Size: 100, Etag: '"e"' })), BatchInput: input }));
    const results = await Promise.all(events.map((e) => batch(e)));
    expect(results).toEqual([
      { part: expect.stringMatching(/^part-[0-9a-f]{16}\.jsonl$/), input: 2, done: 1, failed: 1 },
      { part: expect.stringMatching(/^part-[0-9a-f]{16}\.jsonl$/), input: 2, done: 2, failed: 0 },
    ]);
    const done = await manifest({ ...input, manifestKey: "images/list.csv" });
    expect(done).toMatchObject({ parts: 2, counts: { input: 4, done: 3, failed: 1 } });
    const m = JSON.parse((await fx.store.get("bulk/r1/_SUCCESS")).toString()) as BulkManifest;
    expect(m.failures).toEqual([expect.objectContaining({ key: "images/bad.jpg", code: "image_truncated" })]);
    expect(m.version).toBe(fx.version);
    const part = (await fx.store.get(`bulk/r1/${results[1]!.part as string}`)).toString().trim().split("\n");
    expect(part.map((l) => (JSON.parse(l) as { key: string }).key)).toEqual([
      "images/p2.jpg",
      "images/p3.jpg",
    ]);
  });

  it("decodes an S3 Inventory batch's keys (BatchInput keyEncoding url) and writes a Parquet part", async () => {
    await fx.store.put("images/my photo+1 ü.jpg", await jpeg(40, 40, 9));
    const input = {
      mode: "embed",
      model: "pets",
      source: `s3://${bucket}`,
      prefix: "",
      out: `s3://${bucket}/bulk/inv`,
      normalize: true,
      topK: 5,
      format: "parquet",
      keyEncoding: "url",
    };
    // What Step Functions' MANIFEST reader hands over: the inventory row's fields, the key as the CSV wrote it.
    const Items = [{ Bucket: bucket, Key: "images%2Fmy+photo%2B1+%C3%BC.jpg", Size: "1000" }];
    const r = await batch({ Items, BatchInput: input });
    expect(r).toEqual({
      part: expect.stringMatching(/^part-[0-9a-f]{16}\.parquet$/),
      input: 1,
      done: 1,
      failed: 0,
    });
    const bytes = await fx.store.get(`bulk/inv/${r.part as string}`);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const rows = (await parquetReadObjects({ file })) as Array<{ key: string; embedding: number[] }>;
    expect(rows.map((x) => x.key)).toEqual(["images/my photo+1 ü.jpg"]);
    expect(rows[0]!.embedding.length).toBeGreaterThan(0);
  });

  it("fails a malformed batch event naming the bad fields", async () => {
    await expect(batch({ Items: [{ Size: 3 }], BatchInput: { mode: "embed" } })).rejects.toMatchObject({
      code: "invalid_bulk_input",
      message: expect.stringMatching(/Items\.0\.Key.*source/s),
    });
  });
});
