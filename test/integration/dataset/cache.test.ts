/**
 * The compiled dataset cache over a real S3 API (moto): the first pass writes shards + index, later opens read
 * shards (counted GETs) instead of images, eval tensors from the cache equal those from the files, train tensors
 * equal too when no image was downscaled, racing compilers both succeed, and a corrupt or missing shard falls
 * back to the files with a warning.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type Batch,
  type Dataset,
  ensureDatasetCache,
  iterateBatches,
  type LoaderOptions,
  loadDataset,
  type ObjectStore,
  resolvePreprocessSpec,
  S3ObjectStore,
} from "@residual/pipeline";
import {
  type CacheWarning,
  cacheDir,
  cacheVariant,
  compileDatasetCache,
  openDatasetCache,
} from "@residual/pipeline/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { awsTestConfig, uniqueName } from "../../support/aws.js";
import { makeShapesDataset } from "../../support/images.js";

/** The real store, with GET/PUT keys recorded. */
function counting(inner: ObjectStore): ObjectStore & { gets: string[]; puts: string[] } {
  const gets: string[] = [];
  const puts: string[] = [];
  return Object.assign(Object.create(inner) as ObjectStore, {
    gets,
    puts,
    get: (key: string) => {
      gets.push(key);
      return inner.get(key);
    },
    put: (...args: Parameters<ObjectStore["put"]>) => {
      puts.push(args[0]);
      return inner.put(...args);
    },
  });
}

const spec = resolvePreprocessSpec({ size: 32, resize: 36 }); // images are 48-55 × 40: all downscaled
let s3: S3ObjectStore;
let ds: Dataset;

beforeAll(async () => {
  const bucket = uniqueName("cache");
  await new S3Client(awsTestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
  s3 = new S3ObjectStore({ ...awsTestConfig(), bucket });
  const files = await makeShapesDataset({
    classes: ["circle", "cross", "square"],
    perClass: 6,
    format: "jpeg",
  });
  for (const [k, v] of files) await s3.put(`datasets/c/${k}`, v);
  await s3.put("datasets/c/residual.json", "{}");
  ds = await loadDataset(s3, "datasets/c/", { seed: 2 });
});

async function tensors(o: Omit<LoaderOptions, "batchSize">): Promise<Float32Array> {
  const out: Batch[] = [];
  for await (const b of iterateBatches({ ...o, batchSize: 4 })) out.push(b);
  return Float32Array.from(out.flatMap((b) => [...b.x]));
}

/** A dataset with its own hash, so each test gets a fresh cache prefix. */
function fresh(tag: string): Dataset {
  return { ...ds, hash: `${ds.hash.slice(0, 20)}-${tag}-${Date.now().toString(36)}` };
}

describe("compiled dataset cache", () => {
  it("first pass writes shards, later opens read shards only, eval tensors identical", async () => {
    const d = fresh("a");
    const store = counting(s3);
    const index = await compileDatasetCache(store, d, spec, { shardBytes: 12_000 });
    expect(index.shards.length).toBeGreaterThan(2);
    expect(Object.keys(index.entries)).toHaveLength(
      new Set([...d.train, ...d.val].map((s) => s.digest)).size,
    );
    expect(store.puts.at(-1)).toBe(`${cacheDir(d.hash, cacheVariant(spec))}index.json`);
    const e = index.entries[d.train[0]!.digest]!;
    expect(Math.min(e.width, e.height)).toBe(36);

    const reader = counting(s3);
    const cache = await ensureDatasetCache(reader, d, spec);
    expect(reader.puts).toEqual([]); // opened, not recompiled
    const samples = [...d.train, ...d.val];
    const cached = await tensors({ store: reader, samples, spec, mode: "eval", cache });
    const imageGets = reader.gets.filter((k) => k.startsWith("datasets/"));
    expect(imageGets).toEqual([]);
    expect(cache.stats().shardGets).toBe(index.shards.length);
    const files = await tensors({ store: s3, samples, spec, mode: "eval" });
    expect(Buffer.from(cached.buffer).equals(Buffer.from(files.buffer))).toBe(true);
  });

  it("train tensors from the cache equal the files' when nothing was downscaled", async () => {
    const d = fresh("b");
    const cache = await ensureDatasetCache(s3, d, spec, { side: 64 });
    const o = { samples: d.train, spec, mode: "train" as const, seed: 4, epoch: 1 };
    const cached = await tensors({ ...o, store: s3, cache });
    const files = await tensors({ ...o, store: s3 });
    expect(cache.stats().hits).toBe(d.train.length);
    expect(Buffer.from(cached.buffer).equals(Buffer.from(files.buffer))).toBe(true);
  });

  it("two jobs compiling at once both succeed and leave one readable index", async () => {
    const d = fresh("c");
    const [a, b] = await Promise.all([
      compileDatasetCache(s3, d, spec, { shardBytes: 20_000 }),
      compileDatasetCache(s3, d, spec, { shardBytes: 20_000 }),
    ]);
    expect(a).toEqual(b);
    const cache = await openDatasetCache(s3, d, spec);
    expect(cache?.index).toEqual(a);
  });

  it("a corrupt or missing shard falls back to the files with a warning", async () => {
    const d = fresh("d");
    const index = await compileDatasetCache(s3, d, spec, { shardBytes: 12_000 });
    await s3.put(index.shards[0]!.key, Buffer.from("garbage"));
    await s3.delete(index.shards[1]!.key);
    const warnings: CacheWarning[] = [];
    const cache = await openDatasetCache(s3, d, spec, { onWarning: (w) => warnings.push(w) });
    const samples = [...d.train, ...d.val];
    const cached = await tensors({ store: s3, samples, spec, mode: "eval", cache: cache! });
    const files = await tensors({ store: s3, samples, spec, mode: "eval" });
    expect(Buffer.from(cached.buffer).equals(Buffer.from(files.buffer))).toBe(true);
    expect(warnings.map((w) => w.code).sort()).toEqual(["cache_shard_corrupt", "cache_shard_missing"]);
    expect(cache!.stats().misses).toBeGreaterThan(0);
    expect(cache!.stats().hits).toBeGreaterThan(0);
  });

  it("an unusable index is a warning and no cache, not an error", async () => {
    const d = fresh("e");
    await s3.put(`${cacheDir(d.hash, cacheVariant(spec))}index.json`, "{not json");
    const warnings: CacheWarning[] = [];
    const cache = await openDatasetCache(s3, d, spec, { onWarning: (w) => warnings.push(w) });
    expect(cache).toBeUndefined();
    expect(warnings.map((w) => w.code)).toEqual(["cache_index_invalid"]);
  });

  it("keeps at most maxBytes of shards in memory (LRU), re-reading evicted shards", async () => {
    const d = fresh("f");
    const index = await compileDatasetCache(s3, d, spec, { shardBytes: 12_000 });
    const cache = await openDatasetCache(s3, d, spec, { maxBytes: 1 });
    const samples = [...d.train, ...d.val];
    await tensors({ store: s3, samples, spec, mode: "eval", cache: cache!, concurrency: 1, prefetch: 0 });
    await tensors({ store: s3, samples, spec, mode: "eval", cache: cache!, concurrency: 1, prefetch: 0 });
    expect(cache!.stats().shardGets).toBeGreaterThanOrEqual(2 * index.shards.length);
  });
});
