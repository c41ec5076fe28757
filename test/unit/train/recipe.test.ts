/** Recipes: which one a job gets from its arch and data, what it fills in, and that every part stays overridable. */

import { parseJobSpec, type Sample } from "@residual/pipeline";
import { datasetProfile } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

function samples(n: number, side: number, channels: number): Sample[] {
  return Array.from({ length: n }, (_, i) => ({
    ref: { kind: "file", path: `${i}.png` },
    label: i % 2,
    path: `${i}.png`,
    digest: String(i),
    width: side,
    height: side + 4,
    channels,
  }));
}

describe("training recipes", () => {
  it("small grey images get He et al.'s CIFAR recipe, at their own size, with one channel", () => {
    const profile = datasetProfile({ train: samples(40, 28, 1) });
    expect(profile).toEqual({ medianSide: 28, grey: true, images: 40 });
    const spec = parseJobSpec({ arch: "cifar_resnet20", epochs: 5 }, profile);
    expect(spec).toMatchObject({
      recipe: "small_images",
      imageSize: 28,
      inChannels: 1,
      batchSize: 128,
      lr: 0.1,
      weightDecay: 1e-4,
      warmupEpochs: 1,
      evalResize: 28,
      augment: { kind: "pad_crop", pad: 4, hflip: 0.5 },
      schedule: { type: "cosine", minLr: 0 },
    });
    expect(spec.recipeReason).toMatch(/CIFAR ResNet/);
  });

  it("scales the lr linearly from 0.1 at batch 128, and small images pick the recipe for any arch", () => {
    const profile = datasetProfile({ train: samples(10, 48, 3) });
    const spec = parseJobSpec({ arch: "resnet18", batchSize: 64, epochs: 20 }, profile);
    expect(spec.recipe).toBe("small_images");
    expect(spec.recipeReason).toMatch(/48 px ≤ 64/);
    expect(spec.lr).toBeCloseTo(0.05, 12);
    expect(spec).toMatchObject({ imageSize: 48, inChannels: 3, warmupEpochs: 2, augment: { pad: 6 } });
  });

  it("ImageNet-sized images keep the seed's recipe (RandomResizedCrop, jitter 0.4, Resize 256 → 224)", () => {
    const spec = parseJobSpec({ arch: "resnet50" }, datasetProfile({ train: samples(10, 375, 3) }));
    expect(spec).toMatchObject({
      recipe: "imagenet",
      imageSize: 224,
      evalResize: 256,
      batchSize: 32,
      warmupEpochs: 0,
      inChannels: 3,
      augment: { kind: "random_resized_crop", scale: [0.08, 1], hflip: 0.5, brightness: 0.4, contrast: 0.4 },
    });
    expect(spec.lr).toBeCloseTo(0.0125, 12);
  });

  it("a pretrained backbone keeps three channels on grey data", () => {
    const spec = parseJobSpec(
      { arch: "resnet18", pretrained: "resnet18.tv_in1k" },
      datasetProfile({ train: samples(10, 28, 1) }),
    );
    expect(spec.inChannels).toBe(3);
  });

  it("every part is overridable, and a resolved spec parses to itself (job.json)", () => {
    const profile = datasetProfile({ train: samples(10, 28, 1) });
    const spec = parseJobSpec(
      {
        arch: "cifar_resnet20",
        inChannels: 3,
        imageSize: 32,
        evalResize: 36,
        warmupEpochs: 0,
        augment: { pad: 2, hflip: 0 },
        recipe: "small_images",
      },
      profile,
    );
    expect(spec).toMatchObject({ inChannels: 3, imageSize: 32, evalResize: 36, warmupEpochs: 0 });
    expect(spec.augment).toEqual({ kind: "pad_crop", pad: 2, hflip: 0 });
    expect(parseJobSpec(JSON.parse(JSON.stringify(spec)), profile)).toEqual(spec);
    const rrc = parseJobSpec({
      arch: "cifar_resnet20",
      augment: { kind: "random_resized_crop", scale: [0.5, 1] },
    });
    expect(rrc.augment).toMatchObject({ kind: "random_resized_crop", scale: [0.5, 1], brightness: 0.4 });
  });
});
