import { join } from "node:path";
import { LocalObjectStore, objectStoreIOHandler, parseJobRequest, runTrainingJob } from "@residual/pipeline";
import { choosePretrained } from "@residual/pipeline/testing";
import { createResNet, initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { uploadColorDataset } from "../../support/color-dataset.js";
import { useTempDir } from "../../support/temp-dir.js";

const TAG = "resnet18.tv_in1k"; // resnet18's default tag
const dir = useTempDir("residual-transfer-");
let store: LocalObjectStore;

beforeAll(async () => {
  await initBackend({ logger: () => {} });
  store = new LocalObjectStore(dir());
});

describe("pretrained: auto (the default)", () => {
  it("says from scratch, and why, when the arch has no backbone in the store or no pretrained weights", async () => {
    const empty = await choosePretrained(store, parseJobRequest({ arch: "resnet18" }));
    expect(empty.pretrained).toBeNull();
    expect(empty.pretrainedReason).toContain(`no backbones/${TAG}/ in the store`);
    expect(empty.pretrainedReason).toContain(`residual weights fetch ${TAG}`);
    const cifar = await choosePretrained(store, parseJobRequest({ arch: "cifar_resnet20" }));
    expect(cifar).toMatchObject({
      pretrained: null,
      pretrainedReason: "auto: no pretrained weights for cifar_resnet20",
    });
    const none = await choosePretrained(store, parseJobRequest({ arch: "resnet18", pretrained: "none" }));
    expect(none).toMatchObject({ pretrained: null, pretrainedReason: "none: set in the job spec" });
  });

  it("takes another registry tag of the arch when its default tag is absent (what cdk deploy seeds for resnet50)", async () => {
    // Only the HEAD of model.json decides; the backbone itself is read when the job loads it.
    const s = new LocalObjectStore(join(dir(), "other-store"));
    await s.put("backbones/resnet50.tv2_in1k/model.json", "{}");
    const r50 = await choosePretrained(s, parseJobRequest({ arch: "resnet50" }));
    expect(r50).toMatchObject({
      pretrained: "resnet50.tv2_in1k",
      pretrainedReason: "auto: backbones/resnet50.tv2_in1k/ is in the store",
    });
    await s.put("backbones/resnet50.tv_in1k/model.json", "{}");
    expect((await choosePretrained(s, parseJobRequest({ arch: "resnet50" }))).pretrained).toBe(
      "resnet50.tv_in1k",
    );
    expect((await choosePretrained(s, parseJobRequest({ arch: "resnet101" }))).pretrained).toBeNull();
  });

  it("starts from the arch's default backbone when the store holds it, and records the choice in job.json", async () => {
    // No pretrained weights offline: a seeded random resnet18 stands in for the fetched one.
    const backbone = createResNet("resnet18", { numClasses: 10, seed: 7 });
    try {
      await backbone.save(objectStoreIOHandler(store, `backbones/${TAG}/`));
    } finally {
      backbone.dispose();
    }
    const dataset = await uploadColorDataset(store, "colors", ["red", "green"], { train: 4, val: 2 });
    const lines: string[] = [];
    const result = await runTrainingJob({
      store,
      jobId: "auto-1",
      dataset,
      spec: {
        name: "colors",
        arch: "resnet18",
        imageSize: 32,
        epochs: 1,
        batchSize: 4,
        freeze: [{ epochs: 1, train: ["fc"] }],
      },
      log: (l) => lines.push(l),
    });
    const reason = `auto: backbones/${TAG}/ is in the store`;
    expect(result.spec).toMatchObject({ pretrained: TAG, pretrainedReason: reason });
    expect(lines).toContain(`pretrained: ${TAG} (${reason})`);
    const job = JSON.parse((await store.get(`models/colors/${result.version}/job.json`)).toString());
    expect(job.spec).toMatchObject({ pretrained: TAG, pretrainedReason: reason });
    // A resolved spec parses again (job.json is a valid residual.json).
    expect(parseJobRequest(job.spec).pretrained).toBe(TAG);
    const card = (await store.get(`models/colors/${result.version}/model-card.md`)).toString();
    expect(card).toContain(`Fine-tuned resnet18 (from ${TAG}: ${reason})`);
  });
});
