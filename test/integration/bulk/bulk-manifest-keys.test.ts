/**
 * Bulk runs over manifests on moto S3, with keys holding spaces, `+`, `%`, commas, quotes and non-ASCII letters:
 * an S3 Inventory (manifest.json, gzip CSV data file, keys URL-encoded as S3 writes them: space `+`, `+` `%2B`,
 * UTF-8 `%XX`) and a plain CSV (keys as they are) through the spawned CLI, and the batch Lambda's path
 * (Step Functions hands the inventory's encoded keys over as they are; the batch decodes them).
 */
import { gzipSync } from "node:zlib";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  decodeInventoryKey,
  type ObjectStore,
  openObjectStore,
  parseBulkBatchEvent,
  parseBulkSpec,
  readManifestItems,
  runBulkBatch,
  ServingCore,
} from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { awsCliEnv, awsTestConfig, uniqueName } from "../../support/aws.js";
import { runResidual } from "../../support/cli.js";
import { jpeg, type ServingFixture, servingFixture } from "../serving/support/fixtures.js";

/** Each key and how an S3 Inventory CSV writes it (written out by hand, not computed by the code under test). */
const KEYS: Array<[key: string, inventory: string]> = [
  ["images/a b.jpg", "images%2Fa+b.jpg"],
  ["images/c+d.jpg", "images%2Fc%2Bd.jpg"],
  ["images/100%.jpg", "images%2F100%25.jpg"],
  ["images/ünï 日本.jpg", "images%2F%C3%BCn%C3%AF+%E6%97%A5%E6%9C%AC.jpg"],
  ['images/x,y "q".jpg', "images%2Fx%2Cy+%22q%22.jpg"],
];
const RAW = KEYS.map(([k]) => k);

let fx: ServingFixture;
let bucket: string;
let store: ObjectStore;
const INVENTORY = "inventory/src/cfg/2026-01-01T01-00Z/manifest.json";

const awsEnv = () => awsCliEnv(["RESIDUAL_STORE", "RESIDUAL_BULK_STATE_MACHINE"]);

const csvField = (v: string) => `"${v.replace(/"/g, '""')}"`;

beforeAll(async () => {
  await initBackend({ logger: () => undefined });
  fx = await servingFixture();
  bucket = uniqueName("bulk-keys");
  await new S3Client(awsTestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
  const { endpoint, region, credentials } = awsTestConfig();
  store = openObjectStore(`s3://${bucket}`, { endpoint, region, credentials });
  for (const [i, key] of RAW.entries()) await store.put(key, await jpeg(40 + i * 4, 36, i + 1));
  // S3 Inventory: every field quoted, no header row, gzip; the manifest names the columns.
  const rows = KEYS.map(([, enc], i) =>
    [bucket, enc, String(1000 + i), "2026-01-01T00:00:00.000Z"].map(csvField).join(","),
  );
  const data = "inventory/src/cfg/data/0f1e2d3c.csv.gz";
  await store.put(data, gzipSync(`${rows.join("\n")}\n`));
  await store.put(
    INVENTORY,
    JSON.stringify({
      sourceBucket: bucket,
      destinationBucket: `arn:aws:s3:::${bucket}`,
      version: "2016-11-30",
      creationTimestamp: "1767229200000",
      fileFormat: "CSV",
      fileSchema: "Bucket, Key, Size, LastModifiedDate",
      files: [{ key: data, size: 200, MD5checksum: "0" }],
    }),
  );
  // A plain CSV: a header row, keys as they are (quoted where CSV needs it).
  await store.put("lists/keys.csv", `Key,Note\r\n${RAW.map((k) => `${csvField(k)},x`).join("\r\n")}\r\n`);
});

async function partKeys(out: string): Promise<string[]> {
  const { endpoint, region, credentials } = awsTestConfig();
  const o = openObjectStore(out, { endpoint, region, credentials });
  const m = JSON.parse((await o.get("_SUCCESS")).toString()) as { parts: Array<{ key: string }> };
  const texts = await Promise.all(m.parts.map(async (p) => (await o.get(p.key)).toString("utf8")));
  return texts
    .flatMap((t) => t.split("\n"))
    .filter((l) => l.length > 0)
    .map((l) => (JSON.parse(l) as { key: string }).key)
    .sort();
}

describe("bulk keys from manifests (moto S3)", () => {
  it("decodes S3 Inventory keys: form encoding, UTF-8", () => {
    for (const [key, enc] of KEYS) expect(decodeInventoryKey(enc)).toBe(key);
    expect(() => decodeInventoryKey("images/100%.jpg")).toThrow(
      expect.objectContaining({ code: "invalid_manifest" }),
    );
  });

  it("reads an inventory (decoded, with sizes) and a plain CSV (as written) to the same items", async () => {
    const inv = await readManifestItems(store, INVENTORY);
    expect(inv).toEqual(RAW.map((Key, i) => ({ Key, Size: 1000 + i })));
    const csv = await readManifestItems(store, "lists/keys.csv");
    expect(csv.map((i) => i.Key)).toEqual(RAW);
    await expect(readManifestItems(store, "images/a b.jpg")).rejects.toMatchObject({
      code: "invalid_manifest",
    });
  });

  for (const [what, manifest] of [
    ["an S3 Inventory manifest", INVENTORY],
    ["a plain CSV", "lists/keys.csv"],
  ] as const) {
    it(`the CLI embeds every image ${what} names, under its real key`, async () => {
      const out = `s3://${bucket}/bulk/${manifest.endsWith(".json") ? "inv" : "csv"}`;
      const args = ["bulk", "embed", `s3://${bucket}/images`, "--model", "pets", "--store", fx.dir];
      const r = await runResidual([...args, "--out", out, "--manifest", manifest], awsEnv());
      expect(r.stderr).not.toMatch(/residual: error/);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ counts: { input: 5, done: 5, failed: 0 }, failures: [] });
      expect(await partKeys(out)).toEqual([...RAW].sort());
    });
  }

  it("the batch Lambda's path decodes inventory keys (keyEncoding url) and leaves plain keys alone", async () => {
    const core = new ServingCore({ store: fx.store, engine: "onnx", ortThread: "main" });
    try {
      const spec = (out: string, keyEncoding: string) =>
        parseBulkSpec({ mode: "embed", model: "pets", source: `s3://${bucket}`, out, keyEncoding });
      const { endpoint, region, credentials } = awsTestConfig();
      const at = (l: string) => openObjectStore(l, { endpoint, region, credentials });

      const inv = parseBulkBatchEvent({
        Items: [
          ...KEYS.map(([, Key]) => ({ Bucket: bucket, Key, Size: "1000" })),
          { Key: "images/50%off.jpg" },
        ],
        BatchInput: spec(`s3://${bucket}/bulk/lambda-inv`, "url"),
      });
      const a = await runBulkBatch(inv.Items, {
        core,
        source: store,
        out: at(inv.BatchInput.out),
        spec: inv.BatchInput,
      });
      expect(a).toMatchObject({ input: 6, done: 5 });
      expect(a.failed).toEqual([
        expect.objectContaining({ key: "images/50%off.jpg", code: "invalid_manifest" }),
      ]);
      const lines = (await at(inv.BatchInput.out).get(a.part)).toString().trim().split("\n");
      expect(lines.map((l) => (JSON.parse(l) as { key: string }).key).sort()).toEqual([...RAW].sort());

      const plain = spec(`s3://${bucket}/bulk/lambda-plain`, "none");
      const b = await runBulkBatch(
        RAW.map((Key) => ({ Key })),
        { core, source: store, out: at(plain.out), spec: plain },
      );
      expect(b).toMatchObject({ input: 5, done: 5, failed: [] });
    } finally {
      await core.close();
    }
  });
});
