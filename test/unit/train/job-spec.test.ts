import { InvalidInputError, parseJobSpec } from "@residual/pipeline";
import { resolveFreezePhases } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

function issuesOf(raw: unknown) {
  try {
    parseJobSpec(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).code).toBe("invalid_job_spec");
    return (err as InvalidInputError).issues ?? [];
  }
  throw new Error("spec was accepted");
}

describe("parseJobSpec", () => {
  it("fills defaults, including the seed's lr rule for SGD", () => {
    const spec = parseJobSpec({ batchSize: 64 });
    expect(spec).toMatchObject({
      arch: "resnet18",
      imageSize: 224,
      epochs: 10,
      optimizer: "sgd",
      momentum: 0.9,
    });
    expect(spec.lr).toBeCloseTo(0.025, 12);
    expect(spec.weightDecay).toBe(1e-4);
    expect(spec.earlyStopping).toBeNull();
    expect(spec.pretrained).toBeNull();
    expect(parseJobSpec({ optimizer: "adamw" }).lr).toBe(1e-3);
    expect(parseJobSpec({ arch: "cifar_resnet20" }).imageSize).toBe(32);
    expect(parseJobSpec({ pretrained: "none" }).pretrained).toBeNull();
    expect(parseJobSpec({ pretrained: "resnet18.tv_in1k" }).pretrained).toBe("resnet18.tv_in1k");
  });

  it("rejects unknown fields, naming them", () => {
    const issues = issuesOf({ name: "x", learningRate: 0.1 });
    expect(issues).toHaveLength(1);
    expect(JSON.stringify(issues[0])).toContain("learningRate");
  });

  it("lists every issue at once, cross-field ones included", () => {
    const issues = issuesOf({
      arch: "cifar_resnet20",
      epochs: 4,
      batchSize: -1,
      optimizer: "rmsprop",
      labelSmoothing: 1.5,
      schedule: { type: "multistep", milestones: [5] },
      freeze: [
        { epochs: 2, train: ["fc"] },
        { epochs: 1, unfreeze: ["layer4"] },
      ],
    });
    const paths = issues.map((i) => i.path.join("."));
    expect(paths).toEqual(
      expect.arrayContaining([
        "batchSize",
        "optimizer",
        "labelSmoothing",
        "schedule.milestones",
        "freeze.1.unfreeze",
      ]),
    );
    expect(issues.find((i) => i.path.join(".") === "freeze.1.unfreeze")?.message).toContain("layer4");
  });

  it("rejects a CIFAR freeze count that would freeze the head, and phases longer than the run", () => {
    expect(issuesOf({ arch: "cifar_resnet20", freeze: 6 })[0]?.message).toContain("max 5");
    expect(parseJobSpec({ arch: "resnet18", freeze: 6 }).freeze).toBe(6);
    const long = issuesOf({
      epochs: 3,
      freeze: [
        { epochs: 2, train: ["fc"] },
        { epochs: 2, unfreeze: ["layer4"] },
      ],
    });
    expect(long[0]?.message).toContain("4 epochs");
  });

  it("rejects lrScale on a frozen stage and a phase with both train and unfreeze", () => {
    const issues = issuesOf({
      freeze: [
        { epochs: 1, train: ["fc"], lrScale: { layer4: 0.1 } },
        { epochs: 1, train: ["fc"], unfreeze: ["layer4"] },
      ],
    });
    expect(issues.map((i) => i.code)).toContain("invalid_phase");
    const frozen = issuesOf({ freeze: [{ epochs: 1, train: ["fc"], lrScale: { layer4: 0.1 } }] });
    expect(frozen[0]?.code).toBe("frozen_stage");
  });

  it("parses its own resolved output again (job.json round trip)", () => {
    const spec = parseJobSpec({ optimizer: "adamw", earlyStopping: { patience: 2 }, freeze: 3 });
    expect(parseJobSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it("rejects non-objects", () => {
    expect(issuesOf([1, 2])).toHaveLength(1);
  });
});

describe("resolveFreezePhases", () => {
  it("expands phases into epoch ranges; unfreeze adds to the previous phase; the last phase runs to the end", () => {
    const phases = resolveFreezePhases(
      [
        { epochs: 2, train: ["fc"] },
        { epochs: 3, unfreeze: ["layer4"], lrScale: { layer4: 0.1 } },
        { epochs: 1, unfreeze: ["layer3"] },
      ],
      "resnet18",
      10,
    );
    expect(phases.map((p) => [p.startEpoch, p.endEpoch])).toEqual([
      [0, 2],
      [2, 5],
      [5, 10],
    ]);
    expect(phases[2]?.trainable).toEqual(["layer3", "layer4", "fc"]);
    expect(phases[1]?.frozen).toEqual(["conv1", "bn1", "layer1", "layer2", "layer3"]);
    expect(phases[1]?.lrScale).toEqual({ layer4: 0.1 });
  });

  it("treats a number as the seed's freeze_layers for the whole run", () => {
    const [p] = resolveFreezePhases(3, "cifar_resnet20", 5);
    expect(p?.frozen).toEqual(["conv1", "bn1", "layer1"]);
    expect(p?.trainable).toEqual(["layer2", "layer3", "fc"]);
  });
});

describe("the spec's name rule is the registry's", () => {
  it("refuses what publish would refuse, and keeps what it accepts", () => {
    for (const name of ["Flowers", "a".repeat(64), "_x", "a..b", "sp ace"])
      expect(issuesOf({ name }).map((i) => i.path.join("."))).toContain("name");
    expect(parseJobSpec({ name: "flowers-2024.v1_a" }).name).toBe("flowers-2024.v1_a");
    expect(parseJobSpec({ name: "a".repeat(63) }).name).toHaveLength(63);
  });
});
