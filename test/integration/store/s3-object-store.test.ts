import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, GetObjectTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import { S3ObjectStore } from "@residual/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestConfig, TEST_CREDENTIALS, uniqueName } from "../../support/aws.js";
import { describeObjectStoreContract } from "./object-store-contract.js";

const MiB = 1024 * 1024;

async function newBucket(): Promise<string> {
  const bucket = uniqueName("store");
  await new S3Client(awsTestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** A store on a fresh moto bucket with small parts, so an 11 MiB body is a 3-part upload. */
async function motoStore(prefix = "tenant/a"): Promise<S3ObjectStore> {
  const { endpoint, region, credentials } = awsTestConfig();
  return new S3ObjectStore({
    bucket: await newBucket(),
    prefix,
    endpoint,
    region,
    credentials,
    partSize: 5 * MiB,
    multipartThreshold: 5 * MiB,
  });
}

describeObjectStoreContract("S3ObjectStore on moto", () => motoStore());

describe("S3ObjectStore specifics", () => {
  it("uploads large bodies in several parts and keeps the prefix out of returned keys", async () => {
    const store = await motoStore("p1/p2");
    const big = randomBytes(11 * MiB);
    const info = await store.put("models/m/weights.bin", big);
    expect(info.etag).toMatch(/^[0-9a-f]{32}-3$/);
    expect(store.url).toMatch(/^s3:\/\/store-.*\/p1\/p2$/);
    const raw = new S3ObjectStore({ ...awsTestConfig(), bucket: store.bucket });
    const keys = (await raw.listPage("")).objects.map((o) => o.key);
    expect(keys).toEqual(["p1/p2/models/m/weights.bin"]);
    expect((await store.listPage("models/")).objects.map((o) => o.key)).toEqual(["models/m/weights.bin"]);
  });

  it("tags objects, single-part and multipart (lifecycle rules match checkpoints by tag)", async () => {
    const store = await motoStore("");
    const tags = { "residual:kind": "checkpoint" };
    await store.put("small", "x", { tags });
    await store.put("large", randomBytes(6 * MiB), { tags });
    const s3 = new S3Client(awsTestConfig());
    for (const Key of ["small", "large"]) {
      const res = await s3.send(new GetObjectTaggingCommand({ Bucket: store.bucket, Key }));
      expect(res.TagSet, Key).toEqual([{ Key: "residual:kind", Value: "checkpoint" }]);
    }
  });

  it("applies ifAbsent to multipart uploads too", async () => {
    const store = await motoStore();
    const big = randomBytes(6 * MiB);
    await store.put("big", big, { ifAbsent: true });
    await expect(store.put("big", randomBytes(6 * MiB), { ifAbsent: true })).rejects.toMatchObject({
      code: "already_exists",
    });
    expect((await store.get("big")).equals(big)).toBe(true);
  });

  it("maps a missing bucket to NotFoundError bucket_not_found", async () => {
    const store = new S3ObjectStore({ ...awsTestConfig(), bucket: uniqueName("nobucket") });
    await expect(store.put("k", "v")).rejects.toMatchObject({
      name: "NotFoundError",
      code: "bucket_not_found",
    });
  });

  it("validates its config and reports every issue at once", () => {
    expect(() => new S3ObjectStore({ bucket: "Bad_Bucket", maxAttempts: 0, endpoint: "not a url" })).toThrow(
      /bucket.*maxAttempts|bucket.*endpoint/s,
    );
    try {
      new S3ObjectStore({ bucket: "Bad_Bucket", maxAttempts: 0 });
    } catch (err) {
      expect(err).toMatchObject({ code: "invalid_config" });
      expect((err as { issues: unknown[] }).issues).toHaveLength(2);
    }
  });
});

describe("S3ObjectStore retries (a real HTTP server that injects failures)", () => {
  let server: Server;
  let endpoint = "";
  let failuresLeft = 0;
  let requests = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      if (failuresLeft !== 0) {
        failuresLeft--;
        res.writeHead(503, { "content-type": "application/xml" });
        res.end("<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>");
        return;
      }
      res.writeHead(200, { etag: '"0cc175b9c0f1b6a831c399e269772661"' });
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const store = (): S3ObjectStore =>
    new S3ObjectStore({
      bucket: "retry-bucket",
      endpoint,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
      maxAttempts: 3,
    });

  it("retries throttling with backoff and then succeeds", async () => {
    failuresLeft = 2;
    requests = 0;
    const info = await store().put("k", "a");
    expect(requests).toBe(3);
    expect(info.etag).toBe("0cc175b9c0f1b6a831c399e269772661");
  });

  it("gives up after maxAttempts with TransientError", async () => {
    failuresLeft = -1; // fail forever
    requests = 0;
    await expect(store().put("k", "a")).rejects.toMatchObject({ name: "TransientError", permanent: false });
    expect(requests).toBe(3);
  });

  it("maps a refused connection to TransientError", async () => {
    const dead = new S3ObjectStore({
      bucket: "b-b-b",
      endpoint: "http://127.0.0.1:9",
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    await expect(dead.head("k")).rejects.toMatchObject({ name: "TransientError" });
  });
});
