import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import "@tensorflow/tfjs-backend-cpu";
import { LocalObjectStore, type ObjectStore, objectStoreIOHandler, S3ObjectStore } from "@residual/pipeline";
import { createResNet, fileSystemHandler, loadResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { awsTestConfig, uniqueName } from "../../support/aws.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

async function s3Store(): Promise<S3ObjectStore> {
  const bucket = uniqueName("models");
  await new S3Client(awsTestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
  return new S3ObjectStore({ ...awsTestConfig(), bucket, prefix: "root" });
}

async function localStore(): Promise<LocalObjectStore> {
  return new LocalObjectStore(await mkdtemp(join(tmpdir(), "residual-io-")));
}

/** Plain ModelArtifacts with `floats` float32 weights split over two tensors, values derived from the index. */
function artifacts(floats: number): tf.io.ModelArtifacts {
  const data = new Float32Array(floats).map((_, i) => Math.sin(i));
  const half = Math.floor(floats / 2);
  return {
    modelTopology: { format: "test-topology", layers: [1, 2, 3] },
    format: "test",
    generatedBy: "residual tests",
    userDefinedMetadata: { labels: ["cat", "dog"] },
    weightSpecs: [
      { name: "a", shape: [half], dtype: "float32" },
      { name: "b", shape: [floats - half], dtype: "float32" },
    ],
    weightData: data.buffer,
  };
}

async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  return (await store.listPage(prefix)).objects.map((o) => o.key);
}

describe.each([
  ["LocalObjectStore", localStore],
  ["S3ObjectStore on moto", s3Store],
])("objectStoreIOHandler on %s", (_name, makeStore) => {
  it("round-trips small artifacts as model.json + weights.bin", async () => {
    const store = await makeStore();
    const original = artifacts(1000);
    const result = await objectStoreIOHandler(store, "models/m/1/").save!(original);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(4000);
    expect(await keysUnder(store, "models/m/1/")).toEqual([
      "models/m/1/model.json",
      "models/m/1/weights.bin",
    ]);
    const loaded = await objectStoreIOHandler(store, "models/m/1").load!();
    expect(loaded.modelTopology).toEqual(original.modelTopology);
    expect(loaded.userDefinedMetadata).toEqual(original.userDefinedMetadata);
    expect(loaded.weightSpecs).toEqual(original.weightSpecs);
    expect(new Float32Array(loaded.weightData as ArrayBuffer)).toEqual(
      new Float32Array(original.weightData as ArrayBuffer),
    );
  });

  it("shards weights over 4 MiB as group1-shardNofM.bin and reassembles them", async () => {
    const store = await makeStore();
    const original = artifacts(2_500_000); // 10 MB → 3 shards
    await objectStoreIOHandler(store, "big").save!(original);
    expect(await keysUnder(store, "big/")).toEqual([
      "big/group1-shard1of3.bin",
      "big/group1-shard2of3.bin",
      "big/group1-shard3of3.bin",
      "big/model.json",
    ]);
    const manifest = JSON.parse((await store.get("big/model.json")).toString());
    expect(manifest.weightsManifest[0].paths).toHaveLength(3);
    const loaded = await objectStoreIOHandler(store, "big").load!();
    expect(
      Buffer.from(loaded.weightData as ArrayBuffer).equals(Buffer.from(original.weightData as ArrayBuffer)),
    ).toBe(true);
  });

  it("fails clearly on a missing model, a missing shard, and a model.json that escapes its prefix", async () => {
    const store = await makeStore();
    await expect(objectStoreIOHandler(store, "nothing").load!()).rejects.toMatchObject({
      code: "model_not_found",
    });
    await objectStoreIOHandler(store, "m").save!(artifacts(10));
    await store.delete("m/weights.bin");
    await expect(objectStoreIOHandler(store, "m").load!()).rejects.toMatchObject({
      code: "invalid_model_file",
    });
    const evil = { weightsManifest: [{ paths: ["../other/weights.bin"], weights: [] }] };
    await store.put("m/model.json", JSON.stringify(evil));
    await expect(objectStoreIOHandler(store, "m").load!()).rejects.toMatchObject({
      code: "invalid_model_file",
    });
    await store.put("m/model.json", "{not json");
    await expect(objectStoreIOHandler(store, "m").load!()).rejects.toMatchObject({
      code: "invalid_model_file",
    });
  });
});

describe("objectStoreIOHandler interoperates with the directory handler and the real ResNet", () => {
  it("reads what fileSystemHandler wrote, and fileSystemHandler reads our shards", async () => {
    const dir = await mkdtemp(join(tmpdir(), "residual-io-dir-"));
    const store = new LocalObjectStore(dir);
    const small = artifacts(1000);
    await fileSystemHandler(join(dir, "from-dir")).save!(small);
    const viaStore = await objectStoreIOHandler(store, "from-dir").load!();
    expect(new Float32Array(viaStore.weightData as ArrayBuffer)).toEqual(
      new Float32Array(small.weightData as ArrayBuffer),
    );
    const big = artifacts(1_200_000); // 4.8 MB → 2 shards
    await objectStoreIOHandler(store, "from-store").save!(big);
    const viaDir = await fileSystemHandler(join(dir, "from-store")).load!();
    expect(
      Buffer.from(viaDir.weightData as ArrayBuffer).equals(Buffer.from(big.weightData as ArrayBuffer)),
    ).toBe(true);
  });

  it("saves a ResNet to S3 and loads an identical model back, without leaking tensors", async () => {
    const store = await s3Store();
    const model = createResNet("cifar_resnet20", { numClasses: 3, seed: 7 });
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    await model.save(objectStoreIOHandler(store, "models/cifar/1"));
    const again = await loadResNet(objectStoreIOHandler(store, "models/cifar/1"));
    const expected = model.predict(x);
    const actual = again.predict(x);
    try {
      expect(Array.from(await actual.data())).toEqual(Array.from(await expected.data()));
      expect(again.config).toEqual(model.config);
    } finally {
      tf.dispose([expected, actual]);
      again.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    x.dispose();
  });
});
