import { CreateBucketCommand, GetObjectTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import { type Dataset, InvalidInputError, runTrainingJob, S3ObjectStore } from "@residual/pipeline";
import { readLatestManifest } from "@residual/pipeline/testing";
import { initBackend } from "@residual/resnet";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { awsTestConfig, uniqueName } from "../../support/aws.js";
import { uploadColorDataset } from "../../support/color-dataset.js";

const CLASSES = ["red", "green", "blue"];

const SPEC = {
  name: "colors",
  arch: "cifar_resnet20",
  imageSize: 32,
  epochs: 3,
  batchSize: 8,
  optimizer: "adamw",
  lr: 0.03,
  freeze: [{ epochs: 3, train: ["fc"] }],
};

let store: S3ObjectStore;
let dataset: Dataset;
let s3: S3Client;
let bucket: string;
beforeAll(async () => {
  await initBackend({ logger: () => {} });
  bucket = uniqueName("train");
  s3 = new S3Client(awsTestConfig());
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  store = new S3ObjectStore({ ...awsTestConfig(), bucket });
  dataset = await uploadColorDataset(store, "colors", CLASSES);
});

describe("runTrainingJob (moto S3)", () => {
  it("rejects an invalid spec before any compute, listing every issue", async () => {
    const err = await runTrainingJob({
      store,
      jobId: "bad-1",
      dataset,
      spec: { ...SPEC, epochs: 0, lr: -1, colour: 1 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues?.length).toBeGreaterThanOrEqual(3);
    expect(await store.head("jobs/bad-1/checkpoints/latest.json")).toBeUndefined();
  });

  it("trains, checkpoints and publishes every model file", async () => {
    const events: string[] = [];
    const lines: string[] = [];
    const result = await runTrainingJob({
      store,
      jobId: "colors-1",
      dataset,
      spec: SPEC,
      onProgress: (p) => events.push(p.type),
      log: (line) => lines.push(line),
    });
    expect(lines[0]).toBe(
      `dataset: 3 classes, ${dataset.train.length} train / ${dataset.val.length} val (given), 0 skipped; read and validated`,
    );
    expect(result.training.history).toHaveLength(3);
    expect(result.training.cachedStage).toBe("layer3");
    expect(events.filter((e) => e === "epoch")).toHaveLength(3);
    const prefix = `models/colors/${result.version}/`;
    for (const f of [
      "model.json",
      "weights.bin",
      "model.onnx",
      "labels.json",
      "preprocess.json",
      "metrics.json",
    ]) {
      expect(await store.head(`${prefix}${f}`), f).toBeDefined();
    }
    for (const f of [
      "calibration.json",
      "centroids.json",
      "curves.svg",
      "confusion.svg",
      "model-card.md",
      "job.json",
    ]) {
      expect(await store.head(`${prefix}${f}`), f).toBeDefined();
    }
    expect(JSON.parse((await store.get(`${prefix}labels.json`)).toString())).toEqual(CLASSES);
    const metrics = JSON.parse((await store.get(`${prefix}metrics.json`)).toString());
    expect(metrics.perClass).toHaveLength(3);
    expect(metrics.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(12);
    // Per-label thresholds: in metrics.json with their F1, in calibration.json for serving, in the model card.
    expect(Object.keys(metrics.labelThresholds)).toEqual(CLASSES);
    const calibration = JSON.parse((await store.get(`${prefix}calibration.json`)).toString());
    for (const c of CLASSES) {
      expect(calibration.labelThresholds[c]).toBe(metrics.labelThresholds[c].threshold);
      expect(calibration.labelThresholds[c]).toBeGreaterThanOrEqual(0);
      expect(calibration.labelThresholds[c]).toBeLessThanOrEqual(1);
    }
    expect((await store.get(`${prefix}model-card.md`)).toString()).toContain("| F1 | threshold |");
    const centroids = JSON.parse((await store.get(`${prefix}centroids.json`)).toString());
    expect(centroids.centroids[0]).toHaveLength(64);
    expect((await store.get(`${prefix}confusion.svg`)).toString()).toContain("<svg");
    expect((await store.get(`${prefix}model-card.md`)).toString()).toContain("## Limits");
    expect(await store.head("jobs/colors-1/checkpoints/latest.json")).toBeDefined();
    expect(await store.head("models/colors/latest")).toBeDefined();
  });

  it("renders the charts as PNG next to the SVGs, at the SVG's size", async () => {
    const result = await runTrainingJob({ store, jobId: "colors-png", dataset, spec: SPEC });
    const prefix = `models/colors/${result.version}/`;
    for (const name of ["curves", "confusion"]) {
      const svg = (await store.get(`${prefix}${name}.svg`)).toString();
      const png = await store.get(`${prefix}${name}.png`);
      expect((await store.head(`${prefix}${name}.png`))?.contentType).toBe("image/png");
      const meta = await sharp(png).metadata();
      expect(meta.format).toBe("png");
      expect(meta.width).toBe(Number(/width="(\d+)"/.exec(svg)?.[1]));
      expect(meta.height).toBe(Number(/height="(\d+)"/.exec(svg)?.[1]));
      // Not a blank page: the chart draws something besides the white background.
      const stats = await sharp(png).stats();
      expect(stats.channels[0]!.min).toBeLessThan(200);
    }
  });

  it("tags every checkpoint object residual:kind=checkpoint and keeps only the latest two", async () => {
    const prefix = "jobs/colors-tags/checkpoints/";
    await runTrainingJob({ store, jobId: "colors-tags", dataset, spec: SPEC, checkpointEveryMs: 0 });
    const manifest = await readLatestManifest(store, prefix);
    const keys = [`${prefix}latest.json`, manifest!.data, manifest!.data.replace(/\.bin$/, ".json")];
    for (const Key of keys) {
      const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key }));
      expect(TagSet, Key).toEqual([{ Key: "residual:kind", Value: "checkpoint" }]);
    }
    const listed: string[] = [];
    for await (const o of store.list(prefix)) listed.push(o.key.slice(prefix.length));
    expect(listed.filter((k) => k.endsWith(".bin"))).toHaveLength(2);
    expect(listed.filter((k) => k.endsWith(".json"))).toHaveLength(3);
  });
});
