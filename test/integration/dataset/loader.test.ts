/**
 * The batch loader over a real S3 API (moto): shapes, labels, determinism per (seed, epoch), eval order,
 * partial batches, and that a bad file surfaces as an ImageDecodeError instead of hanging the iterator.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type Batch,
  type Dataset,
  ImageDecodeError,
  iterateBatches,
  loadDataset,
  resolvePreprocessSpec,
  S3ObjectStore,
} from "@residual/pipeline";
import { beforeAll, describe, expect, it } from "vitest";
import { awsTestConfig, uniqueName } from "../../support/aws.js";
import { makeShapesDataset } from "../../support/images.js";

const spec = resolvePreprocessSpec({ size: 32 });
let store: S3ObjectStore;
let ds: Dataset;

beforeAll(async () => {
  const bucket = uniqueName("loader");
  await new S3Client(awsTestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
  store = new S3ObjectStore({ ...awsTestConfig(), bucket });
  const files = await makeShapesDataset({
    classes: ["circle", "cross", "square"],
    perClass: 5,
    format: "jpeg",
  });
  for (const [k, v] of files) await store.put(`datasets/s/${k}`, v);
  await store.put("datasets/s/residual.json", "{}");
  ds = await loadDataset(store, "datasets/s/", { seed: 1 });
});

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe("iterateBatches", () => {
  it("yields NHWC float batches with labels, last batch partial", async () => {
    const batches = await collect(
      iterateBatches({ store, samples: ds.train, spec, batchSize: 4, mode: "train" }),
    );
    expect(batches.map((b) => b.n)).toEqual([4, 4, 4]);
    expect(batches[0]!.x.length).toBe(4 * 32 * 32 * 3);
    const labels = batches.flatMap((b) => [...b.y]).sort();
    expect(labels).toEqual(ds.train.map((s) => s.label).sort());
    for (const v of batches[0]!.x) expect(Number.isFinite(v) && v > -2.2 && v < 2.7).toBe(true);
  });

  it("is deterministic per (seed, epoch) and changes across epochs", async () => {
    const run = (epoch: number) =>
      collect(
        iterateBatches({
          store,
          samples: ds.train,
          spec,
          batchSize: 5,
          mode: "train",
          seed: 9,
          epoch,
          concurrency: 3,
        }),
      );
    const [a, b, c] = [await run(0), await run(0), await run(1)];
    expect(a.map((x) => [...x.y])).toEqual(b.map((x) => [...x.y]));
    expect(Buffer.from(a[0]!.x.buffer).equals(Buffer.from(b[0]!.x.buffer))).toBe(true);
    expect(Buffer.from(a[0]!.x.buffer).equals(Buffer.from(c[0]!.x.buffer))).toBe(false);
  });

  it("train batches from augment worker threads equal the inline ones, also when the loop stops early", async () => {
    const run = (augmentWorkers: number) =>
      collect(
        iterateBatches({
          store,
          samples: ds.train,
          spec,
          batchSize: 4,
          mode: "train",
          seed: 3,
          augmentWorkers,
        }),
      );
    const [inline, pooled] = [await run(0), await run(2)];
    expect(pooled[0]!.x.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(inline[0]!.x.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(pooled.map((b) => Array.from(b.x))).toEqual(inline.map((b) => Array.from(b.x)));
    for await (const b of iterateBatches({ store, samples: ds.train, spec, batchSize: 2, mode: "train" })) {
      expect(b.n).toBe(2);
      break; // the generator's finally closes the pool; prefetched batches must not reject unhandled
    }
  });

  it("eval mode keeps dataset order and drops nothing", async () => {
    const batches = await collect(
      iterateBatches({ store, samples: ds.val, spec, batchSize: 2, mode: "eval" }),
    );
    expect(batches.flatMap((b) => [...b.y])).toEqual(ds.val.map((s) => s.label));
  });

  it("dropLast drops the partial batch", async () => {
    const batches = await collect(
      iterateBatches({ store, samples: ds.train, spec, batchSize: 5, mode: "train", dropLast: true }),
    );
    expect(batches.every((b) => b.n === 5)).toBe(true);
    expect(batches).toHaveLength(Math.floor(ds.train.length / 5));
  });

  it("surfaces a file that became unreadable as ImageDecodeError", async () => {
    await store.put("datasets/broken.jpg", Buffer.from("not an image"));
    const broken = { ...ds.train[0]!, ref: { kind: "store" as const, key: "datasets/broken.jpg" } };
    const err = await collect(
      iterateBatches({ store, samples: [...ds.train, broken], spec, batchSize: 4, mode: "eval" }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).code).toBe("image_not_an_image");
  });
});
