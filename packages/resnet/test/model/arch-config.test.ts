import "@tensorflow/tfjs-backend-wasm";
import {
  ARCH_NAMES,
  type ArchName,
  archConfig,
  createResNet,
  isArchName,
  ResNetError,
  resnet18,
  resnet50,
} from "@residual/resnet";
import { networkPlan, paramSpecs, sizeOf, summarize } from "@residual/resnet/testing";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";

// torchvision 0.14 `sum(p.numel() for p in m.parameters())` and documented GFLOPS (multiply-adds) at 224.
const TORCHVISION: Partial<Record<ArchName, { params: number; gmacs: number }>> = {
  resnet18: { params: 11_689_512, gmacs: 1.81 },
  resnet34: { params: 21_797_672, gmacs: 3.66 },
  resnet50: { params: 25_557_032, gmacs: 4.09 },
  resnet101: { params: 44_549_160, gmacs: 7.8 },
  resnet152: { params: 60_192_808, gmacs: 11.51 },
  resnext50_32x4d: { params: 25_028_904, gmacs: 4.23 },
  resnext101_32x8d: { params: 88_791_336, gmacs: 16.41 },
  wide_resnet50_2: { params: 68_883_240, gmacs: 11.4 },
  wide_resnet101_2: { params: 126_886_696, gmacs: 22.75 },
};
const PAPER_DEPTH: Record<ArchName, number> = {
  resnet18: 18,
  resnet34: 34,
  resnet50: 50,
  resnet101: 101,
  resnet152: 152,
  resnext50_32x4d: 50,
  resnext101_32x8d: 101,
  wide_resnet50_2: 50,
  wide_resnet101_2: 101,
  cifar_resnet20: 20,
  cifar_resnet32: 32,
  cifar_resnet44: 44,
  cifar_resnet56: 56,
  cifar_resnet110: 110,
};

function shapeSummary(arch: ArchName, inputSize: number) {
  const c = archConfig(arch);
  const plan = networkPlan(c);
  return summarize(c, plan, paramSpecs(c, plan), [], inputSize);
}

beforeAll(async () => {
  await tf.setBackend("wasm");
});

describe("archConfig", () => {
  it("reads the depth table and applies defaults", () => {
    const c = archConfig("resnext101_32x8d");
    expect(c).toMatchObject({ block: "bottleneck", layers: [3, 4, 23, 3], groups: 32, widthPerGroup: 8 });
    expect(c).toMatchObject({
      numClasses: 1000,
      bnEps: 1e-5,
      bnMomentum: 0.1,
      cifarStem: false,
      norm: "batch",
    });
    expect(archConfig("cifar_resnet110")).toMatchObject({ layers: [18, 18, 18], planes: [16, 32, 64] });
    expect(archConfig("cifar_resnet20").numClasses).toBe(10);
    expect(archConfig("wide_resnet50_2", { numClasses: 3 }).widthPerGroup).toBe(128);
  });

  it("isArchName accepts every architecture and nothing else", () => {
    expect(ARCH_NAMES.every(isArchName)).toBe(true);
    expect([undefined, 18, "resnet19", "ResNet18"].some(isArchName)).toBe(false);
  });

  it("rejects an unknown architecture with code unknown_arch", () => {
    expect(() => createResNet("resnet19" as ArchName)).toThrow(
      expect.objectContaining({ code: "unknown_arch", name: "ResNetError" }),
    );
  });

  it("reports every bad option in one invalid_options error", () => {
    let err: unknown;
    try {
      archConfig("resnet18", { numClasses: 0, inChannels: 1.5, groups: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResNetError);
    const { code, message } = err as ResNetError;
    expect(code).toBe("invalid_options");
    expect(message).toMatch(/numClasses/);
    expect(message).toMatch(/inChannels/);
    expect(message).toMatch(/BasicBlock/);
  });

  it("checks that normGroups divides every GroupNorm's channels", () => {
    expect(() => archConfig("cifar_resnet20", { norm: "group" })).toThrow(/normGroups=32 does not divide/);
    expect(archConfig("cifar_resnet20", { norm: "group", normGroups: 8 }).normGroups).toBe(8);
  });
});

describe("counting from shapes", () => {
  it.each(Object.entries(TORCHVISION))("%s: torchvision's parameter count and GFLOPS", (arch, ref) => {
    const s = shapeSummary(arch as ArchName, 224);
    expect(s.params).toBe(ref.params);
    // Documented GFLOPS are multiply-adds rounded to 2 decimals; ours are 2·MACs.
    expect(Math.abs(s.flops / 2e9 - ref.gmacs)).toBeLessThan(0.006);
  });

  it.each(ARCH_NAMES)("%s: the paper's depth", (arch) => {
    expect(shapeSummary(arch, 224).layers).toBe(PAPER_DEPTH[arch]);
  });

  it("grouped 3x3 weights are HWIO [3, 3, width/groups, width]", () => {
    const specs = paramSpecs(archConfig("resnext50_32x4d"));
    expect(specs.find((p) => p.name === "layer1.0.conv2.weight")?.shape).toEqual([3, 3, 4, 128]);
    expect(specs.find((p) => p.name === "layer4.2.conv2.weight")?.shape).toEqual([3, 3, 32, 1024]);
  });

  it("CIFAR nets use a projection shortcut where the shape changes, and no layer4", () => {
    const names = paramSpecs(archConfig("cifar_resnet20")).map((p) => p.name);
    expect(names).toContain("layer2.0.downsample.0.weight");
    expect(names).not.toContain("layer1.0.downsample.0.weight");
    expect(names.some((n) => n.startsWith("layer4"))).toBe(false);
  });
});

describe.each([
  ["resnet18", resnet18],
  ["resnet50", resnet50],
] as const)("%s built for real", (arch, factory) => {
  it("allocates exactly torchvision's parameters, named like its state_dict", () => {
    const before = tf.memory().numTensors;
    const model = factory({ seed: 1 });
    const weights = model.namedWeights();
    const learnable = [...weights].filter(([n]) => !/running_(mean|var)$/.test(n));
    expect(learnable.reduce((n, [, v]) => n + sizeOf(v.shape), 0)).toBe(TORCHVISION[arch]!.params);
    expect(model.summary().params).toBe(TORCHVISION[arch]!.params);
    expect(model.featureDim).toBe(arch === "resnet18" ? 512 : 2048);
    expect(weights.get("layer2.0.downsample.1.running_var")?.shape).toEqual([
      arch === "resnet18" ? 128 : 512,
    ]);
    expect(weights.get("fc.weight")?.shape).toEqual([model.featureDim, 1000]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
