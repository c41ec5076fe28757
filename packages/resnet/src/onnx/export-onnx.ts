/**
 * Export a ResNet to ONNX. Graph contract (what serving relies on):
 * - input `input`: float32 NHWC `[batch, height, width, C]`, already normalised (the tfjs layout, so callers
 *   hand over their preprocessing buffer untouched); a Transpose node makes it NCHW inside the graph.
 * - outputs `features` `[batch, featureDim]` (pooled, pre-head) and `logits` `[batch, numClasses]`.
 * - BatchNorm is folded into conv weights and biases; grouped convs use Conv's `group`; pads are torch's.
 * - GroupNorm: opset ≥ 21 uses native GroupNormalization (per-channel γ/β, torch's definition); opsets 18–20 use
 *   native GroupNormalization with unit scale (its scale/bias are per *group* there, a spec bug fixed in 21) followed
 *   by the per-channel affine; below 18, Reshape/InstanceNormalization/Reshape + affine. ORT 1.30 runs all three.
 */

import { ResNetError } from "../errors.js";
import { type ConvSpec, type NetworkPlan, type NormSpec, networkPlan } from "../model/plan.js";
import type { ResNet } from "../types.js";
import { foldBatchNorm, hwioToOihw } from "./fold-weights.js";
import { floatValueInfo, GraphBuilder } from "./graph-builder.js";
import { onnxRuntimeNs as ox } from "./onnx-module.js";

/**
 * Options of {@link exportOnnx}.
 * @example
 * const bytes = exportOnnx(model, { opset: 17 } satisfies ExportOnnxOptions);
 */
export interface ExportOnnxOptions {
  /** ONNX opset of the default domain. @default 17 */
  opset?: number;
  /** Graph name stored in the file. @default the architecture */
  graphName?: string;
}

/**
 * The parts of a model the exporter reads.
 * @example
 * const bytes = exportOnnx(model as ExportableModel);
 */
export type ExportableModel = Pick<ResNet, "config" | "namedWeights">;

const MIN_OPSET = 13;

/** Graph assembly over a model's weights; `convNorm` is shared with the prefix exporter. */
export class ResNetGraph {
  readonly g = new GraphBuilder();
  private readonly weights: Map<string, Float32Array>;

  constructor(
    private readonly model: ExportableModel,
    private readonly plan: NetworkPlan,
    /** Decides how GroupNorm is written; the default writes the form every opset accepts. */
    private readonly opset = 17,
  ) {
    this.weights = new Map();
    for (const [name, v] of model.namedWeights()) this.weights.set(name, v.dataSync() as Float32Array);
  }

  private w(name: string): Float32Array {
    const t = this.weights.get(name);
    if (!t) throw new ResNetError("weights_mismatch", `cannot export: model has no weight "${name}"`);
    return t;
  }

  /** conv (+ folded BN) or conv → GroupNorm, with an optional ReLU. */
  convNorm(x: string, c: ConvSpec, n: NormSpec, relu: boolean): string {
    const cin = c.inChannels / c.groups;
    const oihw = hwioToOihw(this.w(`${c.name}.weight`), c.kernel, c.kernel, cin, c.outChannels);
    const dims = [c.outChannels, cin, c.kernel, c.kernel];
    const attrs = {
      kernel_shape: [c.kernel, c.kernel],
      strides: [c.stride, c.stride],
      pads: [c.pad, c.pad, c.pad, c.pad],
      group: c.groups,
    };
    let y: string;
    if (this.model.config.norm === "batch") {
      const bn = {
        weight: this.w(`${n.name}.weight`),
        bias: this.w(`${n.name}.bias`),
        mean: this.w(`${n.name}.running_mean`),
        variance: this.w(`${n.name}.running_var`),
      };
      const f = foldBatchNorm(oihw, bn, this.model.config.bnEps);
      const wName = this.g.floatTensor(`${c.name}.weight`, dims, f.weight);
      const bName = this.g.floatTensor(`${c.name}.bias`, [c.outChannels], f.bias);
      y = this.g.op("Conv", [x, wName, bName], attrs, `${c.name}_out`);
    } else {
      const wName = this.g.floatTensor(`${c.name}.weight`, dims, oihw);
      y = this.groupNorm(this.g.op("Conv", [x, wName], attrs, `${c.name}_out`), n);
    }
    return relu ? this.g.op("Relu", [y]) : y;
  }

  /** GroupNorm in the best form the opset has (see the file comment); output named `<norm>_out`. */
  private groupNorm(x: string, n: NormSpec): string {
    const G = this.model.config.normGroups;
    const eps = { float: this.model.config.bnEps };
    if (this.opset >= 21) {
      const gamma = this.g.floatTensor(`${n.name}.weight`, [n.channels], this.w(`${n.name}.weight`));
      const beta = this.g.floatTensor(`${n.name}.bias`, [n.channels], this.w(`${n.name}.bias`));
      const attrs = { num_groups: G, epsilon: eps };
      return this.g.op("GroupNormalization", [x, gamma, beta], attrs, `${n.name}_out`);
    }
    if (this.opset >= 18) {
      const ones = this.g.floatTensor(`${n.name}.unit_scale`, [G], new Float32Array(G).fill(1));
      const zeros = this.g.floatTensor(`${n.name}.zero_shift`, [G], new Float32Array(G));
      const normed = this.g.op("GroupNormalization", [x, ones, zeros], { num_groups: G, epsilon: eps });
      return this.affine(normed, n);
    }
    return this.affine(this.groupNormDecomposed(x, n), n);
  }

  /** γ·x + β per channel, as `[C,1,1]` initialisers broadcast over NCHW. */
  private affine(x: string, n: NormSpec): string {
    const gamma = this.g.floatTensor(`${n.name}.weight`, [n.channels, 1, 1], this.w(`${n.name}.weight`));
    const beta = this.g.floatTensor(`${n.name}.bias`, [n.channels, 1, 1], this.w(`${n.name}.bias`));
    return this.g.op("Add", [this.g.op("Mul", [x, gamma]), beta], {}, `${n.name}_out`);
  }

  /** Normalisation of GroupNorm as [N,G,-1] InstanceNormalization (unit scale), reshaped back. */
  private groupNormDecomposed(x: string, n: NormSpec): string {
    const G = this.model.config.normGroups;
    const shape = this.g.op("Shape", [x]);
    const grouped = this.g.op("Reshape", [x, this.g.int64Tensor(`${n.name}.group_shape`, [0, G, -1])]);
    const ones = this.g.floatTensor(`${n.name}.unit_scale`, [G], new Float32Array(G).fill(1));
    const zeros = this.g.floatTensor(`${n.name}.zero_shift`, [G], new Float32Array(G));
    const normed = this.g.op("InstanceNormalization", [grouped, ones, zeros], {
      epsilon: { float: this.model.config.bnEps },
    });
    return this.g.op("Reshape", [normed, shape]);
  }

  body(x: string): string {
    for (const stage of this.plan.stages) {
      for (const b of stage.blocks) {
        let h = x;
        b.convs.forEach((c, i) => {
          h = this.convNorm(h, c, b.norms[i]!, i < b.convs.length - 1);
        });
        const shortcut = b.downsample ? this.convNorm(x, b.downsample.conv, b.downsample.norm, false) : x;
        x = this.g.op("Relu", [this.g.op("Add", [h, shortcut])], {}, `${b.name}_out`);
      }
    }
    return x;
  }

  build(): void {
    const { g, plan } = this;
    const nchw = g.op("Transpose", ["input"], { perm: [0, 3, 1, 2] }, "input_nchw");
    let x = this.convNorm(nchw, plan.stem, plan.stemNorm, true);
    if (plan.maxPool) {
      x = g.op("MaxPool", [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, "maxpool_out");
    }
    const pooled = g.op("GlobalAveragePool", [this.body(x)]);
    g.op("Flatten", [pooled], { axis: 1 }, "features");
    const fcW = g.floatTensor("fc.weight", [plan.featureDim, plan.numClasses], this.w("fc.weight"));
    const fcB = g.floatTensor("fc.bias", [plan.numClasses], this.w("fc.bias"));
    g.op("Gemm", ["features", fcW, fcB], {}, "logits");
  }
}

/**
 * Serialise a ResNet (any architecture of this package) to ONNX bytes; the model is only read.
 * @example
 * const bytes = exportOnnx(createResNet("resnet18"), { opset: 17 });
 * await writeFile("model.onnx", bytes);
 */
export function exportOnnx(model: ExportableModel, options: ExportOnnxOptions = {}): Uint8Array {
  const opset = options.opset ?? 17;
  if (!Number.isInteger(opset) || opset < MIN_OPSET) {
    throw new ResNetError("invalid_options", `ONNX opset must be an integer ≥ ${MIN_OPSET}, got ${opset}`);
  }
  const config = model.config;
  const plan = networkPlan(config);
  const graph = new ResNetGraph(model, plan, opset);
  graph.build();
  const proto = ox.ModelProto.create({
    irVersion: 8,
    producerName: "residual",
    producerVersion: "0.1.0",
    opsetImport: [{ domain: "", version: opset }],
    graph: {
      name: options.graphName ?? config.arch,
      node: graph.g.nodes,
      initializer: graph.g.initializers,
      input: [floatValueInfo("input", ["batch", "height", "width", config.inChannels])],
      output: [
        floatValueInfo("features", ["batch", plan.featureDim]),
        floatValueInfo("logits", ["batch", plan.numClasses]),
      ],
    },
    metadataProps: [
      { key: "residual.arch", value: config.arch },
      { key: "residual.input_layout", value: "NHWC" },
      { key: "residual.config", value: JSON.stringify(config) },
    ],
  });
  return ox.ModelProto.encode(proto).finish();
}
