/** `s3://` request images pass the same format allow-list as inline bytes (real S3 API: moto). */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { S3ObjectStore, ServingCore } from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestConfig, uniqueName } from "../../support/aws.js";
import { jpeg, servingFixture } from "./support/fixtures.js";

let core: ServingCore;
let store: S3ObjectStore;

describe("s3:// inputs and the image format allow-list (moto)", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    const bucket = uniqueName("formats");
    await new S3Client(awsTestConfig()).send(new CreateBucketCommand({ Bucket: bucket }));
    const { endpoint, region, credentials } = awsTestConfig();
    store = new S3ObjectStore({ bucket, endpoint, region, credentials });
    await servingFixture(store);
    core = new ServingCore({ store });
    const px = sharp({ create: { width: 40, height: 40, channels: 3, background: "#3c6" } });
    await store.put("uploads/ok.jpg", await jpeg(40, 40));
    await store.put("uploads/frame.gif", await px.clone().gif().toBuffer());
    await store.put("uploads/scan.png", await px.clone().tiff().toBuffer());
    await store.put("uploads/logo.png", Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'));
  });
  afterAll(async () => {
    await core?.close();
  });

  it("classifies a JPEG object and rejects GIF, TIFF and SVG objects with 415, naming the image", async () => {
    const s3 = (key: string) => ({ s3: `${store.url}/${key}` });
    const ok = await core.classify({
      model: "pets",
      images: [s3("uploads/ok.jpg")],
      normalize: true,
      topK: 1,
    });
    expect(ok.results).toHaveLength(1);
    for (const [key, format] of [
      ["uploads/frame.gif", "GIF"],
      ["uploads/scan.png", "TIFF"],
      ["uploads/logo.png", "SVG"],
    ] as const) {
      await expect(
        core.classify({ model: "pets", images: [s3("uploads/ok.jpg"), s3(key)], normalize: true, topK: 1 }),
      ).rejects.toMatchObject({
        code: "unsupported_media_type",
        status: 415,
        message: `images[1].s3: image format ${format} is not accepted; send JPEG, PNG, WEBP`,
      });
    }
  });
});
