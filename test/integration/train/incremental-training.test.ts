import {
  type Dataset,
  InvalidInputError,
  LocalObjectStore,
  objectStoreIOHandler,
  promoteToBackbone,
  resolveBackbone,
  runTrainingJob,
} from "@residual/pipeline";
import { initBackend, loadResNet } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { uploadColorDataset } from "../../support/color-dataset.js";
import { useTempDir } from "../../support/temp-dir.js";

const CLASSES = ["red", "green", "blue"];
// Only layer1 trains in the child jobs: the head the job starts with is the head it publishes.
const SPEC = { arch: "cifar_resnet20", imageSize: 32, epochs: 1, batchSize: 8, optimizer: "adamw", lr: 0.01 };
const HEAD_FROZEN = [{ epochs: 1, train: ["layer1"] }];

const dir = useTempDir("residual-incremental-");
let store: LocalObjectStore;
let colors: Dataset;
let parentVersion: string;

async function fcWeights(prefix: string): Promise<{ shape: number[]; values: Float32Array }> {
  const model = await loadResNet(objectStoreIOHandler(store, prefix));
  try {
    const w = model.namedWeights().get("fc.weight")!;
    return { shape: w.shape, values: (await w.data()) as Float32Array };
  } finally {
    model.dispose();
  }
}

const readJson = async (key: string) => JSON.parse((await store.get(key)).toString());

beforeAll(async () => {
  await initBackend({ logger: () => {} });
  store = new LocalObjectStore(dir());
  colors = await uploadColorDataset(store, "colors", CLASSES);
  const parent = await runTrainingJob({
    store,
    jobId: "parent-1",
    dataset: colors,
    spec: { ...SPEC, name: "colors", freeze: [{ epochs: 1, train: ["fc"] }] },
    log: () => {},
  });
  parentVersion = parent.version;
});

describe("incremental training (pretrained: model:<name>[@version])", () => {
  it("keeps the parent's head for the same labels and records the lineage everywhere", async () => {
    const lines: string[] = [];
    const child = await runTrainingJob({
      store,
      jobId: "child-same",
      dataset: colors,
      spec: {
        ...SPEC,
        name: "colors-more",
        pretrained: `model:colors@${parentVersion}`,
        freeze: HEAD_FROZEN,
      },
      log: (l) => lines.push(l),
    });
    const lineage = { parent: "colors", parentVersion, head: "kept" };
    expect(child.lineage).toEqual(lineage);
    const prefix = `models/colors-more/${child.version}/`;
    expect((await readJson(`${prefix}job.json`)).lineage).toEqual(lineage);
    expect((await readJson(`${prefix}metrics.json`)).lineage).toEqual(lineage);
    const card = (await store.get(`${prefix}model-card.md`)).toString();
    expect(card).toContain(`from model colors@${parentVersion}, head kept`);
    expect(lines.some((l) => l.includes(`starting from model colors@${parentVersion}`))).toBe(true);
    const parentFc = await fcWeights(`models/colors/${parentVersion}/`);
    const childFc = await fcWeights(prefix);
    expect(childFc.shape).toEqual(parentFc.shape);
    expect(Array.from(childFc.values)).toEqual(Array.from(parentFc.values));
  });

  it("resets the head for another label set (latest version when none is named)", async () => {
    const other = await uploadColorDataset(store, "warm", ["red", "yellow"]);
    const child = await runTrainingJob({
      store,
      jobId: "child-other",
      dataset: other,
      spec: { ...SPEC, name: "warm", pretrained: "model:colors", freeze: HEAD_FROZEN },
      log: () => {},
    });
    expect(child.lineage).toEqual({ parent: "colors", parentVersion, head: "reset" });
    const fc = await fcWeights(`models/warm/${child.version}/`);
    expect(fc.shape).toEqual([64, 2]);
    expect((await readJson(`models/warm/${child.version}/job.json`)).lineage.head).toBe("reset");
  });

  it("rejects a parent of another architecture, and a malformed reference, before training", async () => {
    const err = await runTrainingJob({
      store,
      jobId: "child-arch",
      dataset: colors,
      spec: { ...SPEC, arch: "cifar_resnet32", pretrained: "model:colors" },
      log: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues?.[0]?.code).toBe("arch_mismatch");
    const bad = await runTrainingJob({
      store,
      jobId: "child-bad",
      dataset: colors,
      spec: { ...SPEC, pretrained: "model:../x" },
    }).catch((e: unknown) => e);
    expect((bad as InvalidInputError).code).toBe("invalid_job_spec");
    expect(await store.head("jobs/child-bad/checkpoints/latest.json")).toBeUndefined();
  });

  it("promotes a published model to a backbone that serves embeddings and starts jobs", async () => {
    const promoted = await promoteToBackbone(store, `colors@${parentVersion}`);
    expect(promoted.tag).toBe("cifar_resnet20.colors");
    expect(promoted.files).toEqual(expect.arrayContaining(["model.json", "model.onnx", "preprocess.json"]));
    expect(promoted.files.at(-1)).toBe("model.json");
    const backbone = await resolveBackbone(store, "cifar_resnet20.colors");
    expect(backbone).toMatchObject({
      hasOnnx: true,
      hasTfjs: true,
      prefix: "backbones/cifar_resnet20.colors/",
    });
    const job = await runTrainingJob({
      store,
      jobId: "from-promoted",
      dataset: colors,
      spec: { ...SPEC, name: "from-promoted", pretrained: "cifar_resnet20.colors", freeze: HEAD_FROZEN },
      log: () => {},
    });
    expect(job.spec.pretrained).toBe("cifar_resnet20.colors");
    expect(job.lineage).toBeUndefined();
  });
});
