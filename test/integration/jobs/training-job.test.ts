/**
 * Issue 4 end to end on real S3 + SQS (moto): a generated dataset zip uploaded under datasets/ → bucket
 * notification → queue → worker with the real trainer → a published model and `status.json: succeeded`.
 */
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { listJobs, runQueueWorker, trainingJobRunner } from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
import { describe, expect, it } from "vitest";
import { filesToZip, makeShapesDataset } from "../../support/images.js";
import { createJobStack, shapesZip } from "../../support/job-infra.js";

describe("training job from an S3 upload", () => {
  it("trains, publishes the model and marks the job succeeded", async () => {
    await initBackend({ logger: () => undefined });
    const { infra, store, queue } = await createJobStack();
    const spec = { arch: "cifar_resnet20", imageSize: 32, epochs: 2, batchSize: 8, seed: 3, valSplit: 0.4 };
    await infra.s3.send(
      new PutObjectCommand({ Bucket: infra.bucket, Key: "datasets/shapes.zip", Body: await shapesZip(spec) }),
    );

    const logs: string[] = [];
    await runQueueWorker(queue, {
      store,
      runner: trainingJobRunner({ progressEveryMs: 0 }),
      maxMessages: 2,
      waitSeconds: 5,
      log: (l) => logs.push(l),
    });

    const [job] = await listJobs(store);
    expect(job, logs.join("\n")).toMatchObject({
      state: "succeeded",
      result: { model: "shapes" },
      progress: { epochs: 2 },
    });
    const version = job!.result!.version;
    const latest = await infra.s3.send(
      new GetObjectCommand({ Bucket: infra.bucket, Key: "models/shapes/latest" }),
    );
    expect((await latest.Body!.transformToString()).trim()).toBe(version);
    for (const f of [
      "model.json",
      "model.onnx",
      "preprocess.json",
      "metrics.json",
      "model-card.md",
      "job.json",
      "curves.svg",
      "confusion.svg",
    ]) {
      expect(await store.head(`models/shapes/${version}/${f}`), f).toBeDefined();
    }
    expect(JSON.parse((await store.get(`models/shapes/${version}/labels.json`)).toString())).toEqual([
      "circle",
      "cross",
      "square",
    ]);
    const metrics = JSON.parse((await store.get(`models/shapes/${version}/metrics.json`)).toString());
    expect(metrics.history).toHaveLength(2);
    const report = JSON.parse((await store.get(`jobs/${job!.id}/report.json`)).toString());
    // The archive's residual.json asked for a 40% validation share (default 20%): 4 of 10 per class.
    expect(report.totals).toMatchObject({ train: 18, val: 12 });
    const datasetLines = (await store.get(`jobs/${job!.id}/log.txt`))
      .toString()
      .split("\n")
      .filter((l) => l.includes("dataset: "));
    expect(datasetLines).toHaveLength(1);
    expect(datasetLines[0]).toMatch(
      /dataset: 3 classes, 18 train \/ 12 val \(split\), 0 skipped(, \d+ warning\(s\))?; read and validated in \d+\.\d s/,
    );
    expect(await store.head(`jobs/${job!.id}/checkpoints/latest.json`)).toBeDefined();
    // The first job on this data compiled it into the dataset cache, which training then read.
    const cached: string[] = [];
    for await (const o of store.list("cache/")) cached.push(o.key);
    expect(cached.some((k) => k.endsWith("/index.json"))).toBe(true);
    expect(cached.some((k) => /\/shard-\d+-[0-9a-f]+\.bin$/.test(k))).toBe(true);
  });

  it("fails a job whose dataset cannot be trained on, with the reason, and drops its message", async () => {
    const { infra, store, queue } = await createJobStack();
    const files = await makeShapesDataset({ classes: ["circle"], perClass: 4, width: 36, height: 36 });
    files.set("circle/broken.jpg", Buffer.from("this is not a JPEG"));
    await infra.s3.send(
      new PutObjectCommand({ Bucket: infra.bucket, Key: "datasets/one-class.zip", Body: filesToZip(files) }),
    );
    await runQueueWorker(queue, {
      store,
      runner: trainingJobRunner(),
      maxMessages: 2,
      waitSeconds: 5,
      log: () => {},
    });
    const [job] = await listJobs(store);
    expect(job).toMatchObject({ state: "failed", error: { code: "too_few_classes" } });
    expect(job?.error?.message).toMatch(/class/);
    expect(await queue.receive({ waitSeconds: 1, max: 10 })).toEqual([]);
    expect((await store.get(`jobs/${job!.id}/log.txt`)).toString()).toContain("failed [too_few_classes]");
    expect(await store.head("models/one-class/latest")).toBeUndefined();
  });
});
