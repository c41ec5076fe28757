/**
 * The compile pass over a real S3 API (moto): decodes complete out of order yet shards and index are identical
 * to a one-at-a-time compile, shard uploads overlap decodes with at most one upload in flight, a wrong recorded
 * image size never crashes nor changes the cached pixels, undecodable images are skipped in dataset order, and a
 * failed shard upload fails the compile (no unhandled rejection).
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type Dataset,
  loadDataset,
  type ObjectStore,
  resolvePreprocessSpec,
  S3ObjectStore,
  type Sample,
} from "@residual/pipeline";
import { type CacheIndex, compileDatasetCache, decodeResized } from "@residual/pipeline/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { awsTestConfig, uniqueName } from "../../support/aws.js";
import { makeShapesDataset } from "../../support/images.js";

const spec = resolvePreprocessSpec({ size: 32, resize: 36 }); // images are 48-55 × 40: all downscaled
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let s3: S3ObjectStore;
let ds: Dataset;

beforeAll(async () => {
  const bucket = uniqueName("compile");
  await new S3Client(awsTestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
  s3 = new S3ObjectStore({ ...awsTestConfig(), bucket });
  const files = await makeShapesDataset({
    classes: ["circle", "cross", "ring"],
    perClass: 8,
    format: "jpeg",
  });
  for (const [k, v] of files) await s3.put(`datasets/p/${k}`, v);
  await s3.put("datasets/p/residual.json", "{}");
  ds = await loadDataset(s3, "datasets/p/", { seed: 3 });
});

/** A dataset with its own hash, so each compile gets a fresh cache prefix. */
function fresh(tag: string, edit: (s: Sample) => Sample = (s) => s): Dataset {
  const hash = `${ds.hash.slice(0, 20)}-${tag}-${Date.now().toString(36)}`;
  return { ...ds, hash, train: ds.train.map(edit), val: ds.val.map(edit) };
}

/** What must not depend on completion order or on recorded sizes: shard contents and entries. */
function layout(index: CacheIndex): unknown {
  return { shards: index.shards.map((s) => [s.sha256, s.bytes]), entries: index.entries };
}

/** The real store with image GETs delayed by a per-key amount, recording the order in which GETs finish. */
function jittered(inner: ObjectStore): ObjectStore & { finished: string[] } {
  const finished: string[] = [];
  return Object.assign(Object.create(inner) as ObjectStore, {
    finished,
    get: async (key: string) => {
      const body = await inner.get(key);
      if (key.startsWith("datasets/")) {
        await sleep((key.length * 7 + key.charCodeAt(key.length - 5) * 13) % 40);
        finished.push(key);
      }
      return body;
    },
  });
}

describe("compile pass", () => {
  it("writes the same shards and index whatever order the decodes finish in", async () => {
    const a = fresh("seq");
    const sequential = await compileDatasetCache(s3, a, spec, { shardBytes: 12_000, concurrency: 1 });
    const store = jittered(s3);
    const b = fresh("jit");
    const windowed = await compileDatasetCache(store, b, spec, { shardBytes: 12_000, concurrency: 8 });
    const order = [...b.train, ...b.val].map((s) => (s.ref.kind === "store" ? s.ref.key : ""));
    expect(store.finished).not.toEqual(order); // the delays really reordered completions
    expect(sequential.shards.length).toBeGreaterThan(2);
    expect(layout(windowed)).toEqual(layout(sequential));
    expect(Object.keys(windowed.entries)).toEqual(Object.keys(sequential.entries));
  });

  it("uploads shards while decodes go on, never two uploads at once", async () => {
    let uploads = 0;
    let maxUploads = 0;
    let getsDuringUpload = 0;
    const store = Object.assign(Object.create(s3) as ObjectStore, {
      get: (key: string) => {
        if (uploads > 0) getsDuringUpload++;
        return s3.get(key);
      },
      put: async (...args: Parameters<ObjectStore["put"]>) => {
        if (!args[0].endsWith(".bin")) return s3.put(...args);
        maxUploads = Math.max(maxUploads, ++uploads);
        try {
          await sleep(60); // a slow upload: decodes must not wait for it
          return await s3.put(...args);
        } finally {
          uploads--;
        }
      },
    });
    const index = await compileDatasetCache(store, fresh("ovl"), spec, {
      shardBytes: 12_000,
      concurrency: 4,
    });
    expect(index.shards.length).toBeGreaterThan(2);
    expect(maxUploads).toBe(1);
    expect(getsDuringUpload).toBeGreaterThan(0);
    for (const sh of index.shards) expect((await s3.get(sh.key)).length).toBe(sh.bytes);
  });

  it("caches the same pixels when the recorded sizes are wrong (smaller, larger, other aspect, unknown)", async () => {
    const truth = await compileDatasetCache(s3, fresh("true"), spec, { shardBytes: 12_000 });
    const wrong = [
      () => ({ width: 20, height: 16 }), // smaller than the image: no resize planned
      () => ({ width: 40, height: 400 }), // other aspect: the planned height is larger than the image
      (s: Sample) => ({ width: s.width * 4, height: s.height * 4 }), // larger, same aspect: same output
      () => ({ width: 0, height: 0 }), // unknown: the header is read
    ];
    const skipped: unknown[] = [];
    let k = 0;
    const d = fresh("wrong", (s) => ({ ...s, ...wrong[k++ % wrong.length]!(s) }));
    const index = await compileDatasetCache(s3, d, spec, {
      shardBytes: 12_000,
      onSkip: (_s, err) => skipped.push(err),
    });
    expect(skipped).toEqual([]);
    expect(layout(index)).toEqual(layout(truth));
  });

  it("never upscales an image smaller than recorded (no resize needed at the real size)", async () => {
    const big = resolvePreprocessSpec({ size: 32, resize: 64 });
    const bytes = await s3.get((ds.train[0]!.ref as { key: string }).key);
    const real = await decodeResized(bytes, big, 64);
    const lied = await decodeResized(bytes, big, 64, { width: 500, height: 375 });
    expect([lied.width, lied.height]).toEqual([real.width, real.height]);
    expect(lied.data.equals(real.data)).toBe(true);
    const told = await decodeResized(bytes, spec, 36, ds.train[0]!);
    expect(told.data.equals((await decodeResized(bytes, spec, 36)).data)).toBe(true);
  });

  it("skips undecodable images through onSkip in dataset order and caches the rest", async () => {
    await s3.put("datasets/p-bad/a.jpg", Buffer.from("not a jpeg"));
    await s3.put("datasets/p-bad/b.jpg", Buffer.from([0xff, 0xd8, 0xff]));
    const bad = (name: string): Sample => ({
      ...ds.train[0]!,
      ref: { kind: "store", key: `datasets/p-bad/${name}` },
      path: name,
      digest: `bad-${name}`,
    });
    const d = fresh("skip");
    d.train = [bad("a.jpg"), ...d.train.slice(1, 5), bad("b.jpg"), ...d.train.slice(5)];
    const skipped: string[] = [];
    const index = await compileDatasetCache(s3, d, spec, { onSkip: (s) => skipped.push(s.path) });
    expect(skipped).toEqual(["a.jpg", "b.jpg"]);
    expect(index.entries["bad-a.jpg"]).toBeUndefined();
    expect(Object.keys(index.entries)).toHaveLength(
      new Set([...d.train, ...d.val].map((s) => s.digest)).size - 2,
    );
  });

  it("fails the compile when a shard upload fails, without an unhandled rejection", async () => {
    const store = Object.assign(Object.create(s3) as ObjectStore, {
      put: async (...args: Parameters<ObjectStore["put"]>) => {
        if (args[0].endsWith(".bin")) throw new Error("disk full");
        return s3.put(...args);
      },
    });
    await expect(compileDatasetCache(store, fresh("fail"), spec, { shardBytes: 12_000 })).rejects.toThrow(
      "disk full",
    );
  });
});
