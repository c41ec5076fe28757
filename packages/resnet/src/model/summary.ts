import type { ModelSummary, ResNetConfig, StageFlops, StageName } from "../types.js";
import { type ConvSpec, type NetworkPlan, type ParamSpec, sizeOf } from "./plan.js";

function outSize(h: number, c: ConvSpec): number {
  return Math.floor((h + 2 * c.pad - c.kernel) / c.stride) + 1;
}

/** 2·K²·(Cin/groups)·Cout·Hout·Wout for a square input of side `h`; returns the FLOPs and the output side. */
function convFlops(h: number, c: ConvSpec): [number, number] {
  const o = outSize(h, c);
  return [2 * c.kernel * c.kernel * (c.inChannels / c.groups) * c.outChannels * o * o, o];
}

/** FLOPs per stage (conv1, layer1…, fc) for one square image; downsample convs count, norms and pools do not. */
function stageFlops(plan: NetworkPlan, inputSize: number): StageFlops[] {
  let [stem, h] = convFlops(inputSize, plan.stem);
  // torch MaxPool2d(3, 2, 1)
  if (plan.maxPool) h = Math.floor((h + 2 - 3) / 2) + 1;
  const out: StageFlops[] = [{ stage: "conv1", flops: stem }];
  for (const stage of plan.stages) {
    let flops = 0;
    for (const b of stage.blocks) {
      const blockIn = h;
      for (const c of b.convs) {
        const [f, o] = convFlops(h, c);
        flops += f;
        h = o;
      }
      if (b.downsample) flops += convFlops(blockIn, b.downsample.conv)[0];
    }
    out.push({ stage: stage.name, flops });
  }
  out.push({ stage: "fc", flops: 2 * plan.featureDim * plan.numClasses });
  return out;
}

/** The paper's depth: main-path convs plus the fc (18/34/50/101/152; 6n+2 for CIFAR). */
export function paperDepth(plan: NetworkPlan): number {
  return 1 + plan.stages.reduce((n, s) => n + s.blocks.reduce((m, b) => m + b.convs.length, 0), 0) + 1;
}

/**
 * Build a {@link ModelSummary} from shapes alone; no tensor is touched.
 *
 * @example
 * ```ts
 * const plan = networkPlan(archConfig("resnet18"));
 * summarize(archConfig("resnet18"), plan, paramSpecs(archConfig("resnet18"), plan), [], 224).layers; // 18
 * ```
 */
export function summarize(
  config: Readonly<ResNetConfig>,
  plan: NetworkPlan,
  specs: readonly ParamSpec[],
  frozen: readonly StageName[],
  inputSize = 224,
): ModelSummary {
  const learnable = specs.filter((p) => p.trainable);
  const params = learnable.reduce((n, p) => n + sizeOf(p.shape), 0);
  const trainableParams = learnable
    .filter((p) => !frozen.includes(p.stage))
    .reduce((n, p) => n + sizeOf(p.shape), 0);
  const flopsPerStage = stageFlops(plan, inputSize);
  return {
    arch: config.arch,
    layers: paperDepth(plan),
    params,
    trainableParams,
    flops: flopsPerStage.reduce((n, s) => n + s.flops, 0),
    flopsPerStage,
    inputSize,
    featureDim: plan.featureDim,
    frozen: [...frozen],
  };
}
