/** The small_images recipe's image sets: eval pixels once, then RandomCrop(padding) + flip views, deterministic. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createRng,
  type Dataset,
  LocalObjectStore,
  resolvePreprocessSpec,
  type Sample,
} from "@residual/pipeline";
import { smallImageTrainingData } from "@residual/pipeline/testing";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const S = 8;
let dir: string;
let store: LocalObjectStore;
const bytes: Uint8Array[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "residual-small-sets-"));
  store = new LocalObjectStore(dir);
  for (let k = 0; k < 3; k++) {
    const px = Uint8Array.from({ length: S * S }, (_, i) => (i * 7 + k * 50) % 256);
    bytes.push(px);
    const png = await sharp(px, { raw: { width: S, height: S, channels: 1 } })
      .toColourspace("b-w")
      .png()
      .toBuffer();
    await store.put(`img${k}.png`, png);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function dataset(): Dataset {
  const sample = (k: number): Sample => ({
    ref: { kind: "store", key: `img${k}.png` },
    label: k % 2,
    path: `img${k}.png`,
    digest: String(k),
    width: S,
    height: S,
    channels: 1,
  });
  return {
    classes: ["a", "b"],
    train: [0, 1, 2].map(sample),
    val: [sample(2)],
    report: {} as Dataset["report"],
    hash: "h",
  };
}

const spec = resolvePreprocessSpec({ size: S, resize: S, inChannels: 1 });
const norm = (b: number) => (b / 255 - spec.mean[0]!) / spec.std[0]!;

describe("small-image sets", () => {
  it("val is the eval transform: every pixel normalized, nothing moved", async () => {
    const data = smallImageTrainingData(store, dataset(), {
      preprocess: spec,
      augment: { pad: 2, hflip: 0.5 },
      enabled: true,
      seed: 3,
    });
    expect(data.val.channels).toBe(1);
    const px = await data.val.load([0]);
    expect(Array.from(px)).toEqual(Array.from(bytes[2]!, (b) => Math.fround(norm(b))));
  });

  it("a train view is torchvision's RandomCrop(size, padding) then flip, drawn from (seed, index, view)", async () => {
    const data = smallImageTrainingData(store, dataset(), {
      preprocess: spec,
      augment: { pad: 2, hflip: 0.5 },
      enabled: true,
      seed: 3,
    });
    let flips = 0;
    for (let view = 0; view < 12; view++) {
      const got = await data.train.load([1], view);
      const rng = createRng(3, "view", 1, view);
      const dy = rng.int(0, 5);
      const dx = rng.int(0, 5);
      const flip = rng.next() < 0.5;
      flips += flip ? 1 : 0;
      const want = new Float32Array(S * S);
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++) {
          const sy = y + dy - 2;
          const sx = (flip ? S - 1 - x : x) + dx - 2;
          const inside = sy >= 0 && sy < S && sx >= 0 && sx < S;
          want[y * S + x] = norm(inside ? bytes[1]![sy * S + sx]! : 0);
        }
      expect(got).toEqual(want);
      expect(await data.train.load([1], view)).toEqual(got);
    }
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(12);
  });

  it("decodes per batch when the images exceed the memory budget (same pixels)", async () => {
    const held = smallImageTrainingData(store, dataset(), {
      preprocess: spec,
      augment: { pad: 1, hflip: 0 },
      enabled: true,
      seed: 1,
    });
    const streamed = smallImageTrainingData(store, dataset(), {
      preprocess: spec,
      augment: { pad: 1, hflip: 0 },
      enabled: true,
      seed: 1,
      budgetBytes: 10,
    });
    expect(await streamed.train.load([0, 2], 4)).toEqual(await held.train.load([0, 2], 4));
  });
});
