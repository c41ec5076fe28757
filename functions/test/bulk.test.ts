/**
 * The bulk Lambdas as the state machine calls them, on moto S3: a Distributed Map batch event (the ItemBatcher's
 * `{ Items, BatchInput }`) into `bulk.handler`, then the execution input into `bulk-manifest.handler`.
 */
import { type BulkManifest, openObjectStore } from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
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

  it("fails a malformed batch event naming the bad fields", async () => {
    await expect(batch({ Items: [{ Size: 3 }], BatchInput: { mode: "embed" } })).rejects.toMatchObject({
      code: "invalid_bulk_input",
      message: expect.stringMatching(/Items\.0\.Key.*source/s),
    });
  });
});
