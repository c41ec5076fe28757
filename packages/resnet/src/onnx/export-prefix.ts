/**
 * Export the frozen prefix of a ResNet (stem up to a body stage) to ONNX, for filling the trainer's activation
 * cache with ONNX Runtime. Graph contract:
 * - input `input`: float32 NHWC `[batch, height, width, C]`, as `exportOnnx`;
 * - output `activation`: float32 NHWC `[batch, h, w, c]`, the same tensor `model.forwardUntil(x, stage)` returns
 *   in eval mode (BatchNorm folded with running statistics, which is what a frozen stage uses even in training).
 */

import { ResNetError } from "../errors.js";
import { networkPlan } from "../model/plan.js";
import type { StageName } from "../types.js";
import { type ExportableModel, ResNetGraph } from "./export-onnx.js";
import { hwioToOihw } from "./fold-weights.js";
import { floatValueInfo } from "./graph-builder.js";
import { onnxRuntimeNs as ox } from "./onnx-module.js";

/**
 * A stage a prefix can end at (everything but the head).
 * @example
 * const stage: PrefixStage = "layer3";
 */
export type PrefixStage = Exclude<StageName, "fc">;

/**
 * Options of {@link exportOnnxPrefix}: opset, and pooling at the last body stage.
 * @example
 * const bytes = exportOnnxPrefix(model, "layer4", { pool: true } satisfies ExportOnnxPrefixOptions);
 */
export interface ExportOnnxPrefixOptions {
  /** ONNX opset of the default domain. @default 17 */
  opset?: number;
  /**
   * Append a global average pool, so `activation` is `[batch, 1, 1, c]`: what the head computes first when the
   * prefix ends at the last body stage (`forwardFrom` accepts it and gives the same logits). @default false
   */
  pool?: boolean;
}

const MIN_OPSET = 13;

/** `conv1` alone is the bare stem convolution (its norm is the next stage), so nothing is folded into it. */
function bareStem(graph: ResNetGraph, model: ExportableModel, x: string): string {
  const c = networkPlan(model.config).stem;
  const w = model.namedWeights().get(`${c.name}.weight`);
  if (!w) throw new ResNetError("weights_mismatch", `cannot export: model has no weight "${c.name}.weight"`);
  const oihw = hwioToOihw(w.dataSync() as Float32Array, c.kernel, c.kernel, c.inChannels, c.outChannels);
  const wName = graph.g.floatTensor(
    `${c.name}.weight`,
    [c.outChannels, c.inChannels, c.kernel, c.kernel],
    oihw,
  );
  return graph.g.op(
    "Conv",
    [x, wName],
    { kernel_shape: [c.kernel, c.kernel], strides: [c.stride, c.stride], pads: [c.pad, c.pad, c.pad, c.pad] },
    "conv1_out",
  );
}

/** Stem, max-pool and body stages up to and including `stage`; returns the NCHW value name and its channels. */
function buildPrefix(graph: ResNetGraph, model: ExportableModel, stage: PrefixStage): [string, number] {
  const plan = networkPlan(model.config);
  const { g } = graph;
  const nchw = g.op("Transpose", ["input"], { perm: [0, 3, 1, 2] }, "input_nchw");
  if (stage === "conv1") return [bareStem(graph, model, nchw), plan.stem.outChannels];
  let x = graph.convNorm(nchw, plan.stem, plan.stemNorm, true);
  if (plan.maxPool) {
    x = g.op("MaxPool", [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, "maxpool_out");
  }
  let channels = plan.stem.outChannels;
  if (stage === "bn1") return [x, channels];
  const end = plan.stages.findIndex((s) => s.name === stage);
  if (end < 0) {
    const names = ["conv1", "bn1", ...plan.stages.map((s) => s.name)].join(", ");
    throw new ResNetError(
      "invalid_stage",
      `stage "${stage}" is not a body stage of this model; expected ${names}`,
    );
  }
  for (const s of plan.stages.slice(0, end + 1)) {
    for (const b of s.blocks) {
      let h = x;
      b.convs.forEach((c, i) => {
        h = graph.convNorm(h, c, b.norms[i]!, i < b.convs.length - 1);
      });
      const shortcut = b.downsample ? graph.convNorm(x, b.downsample.conv, b.downsample.norm, false) : x;
      x = g.op("Relu", [g.op("Add", [h, shortcut])], {}, `${b.name}_out`);
      channels = b.norms.at(-1)!.channels;
    }
  }
  return [x, channels];
}

/**
 * Serialise the prefix of `model` ending after `stage` (conv1, bn1 — stem with ReLU and max-pool — or a layer)
 * to ONNX bytes: input `input` NHWC, output `activation` NHWC, equal to `forwardUntil(x, stage)` in eval mode.
 * The model is only read. Throws ResNetError `invalid_stage` for stages the model lacks (layer4 on CIFAR nets).
 *
 * @example
 * const bytes = exportOnnxPrefix(createResNet("resnet18"), "layer4");
 * const session = await ort.InferenceSession.create(bytes);
 * const { activation } = await session.run({ input: new ort.Tensor("float32", pixels, [n, 112, 112, 3]) });
 */
export function exportOnnxPrefix(
  model: ExportableModel,
  stage: PrefixStage,
  options: ExportOnnxPrefixOptions = {},
): Uint8Array {
  const opset = options.opset ?? 17;
  if (!Number.isInteger(opset) || opset < MIN_OPSET) {
    throw new ResNetError("invalid_options", `ONNX opset must be an integer ≥ ${MIN_OPSET}, got ${opset}`);
  }
  const config = model.config;
  const graph = new ResNetGraph(model, networkPlan(config));
  const [body, channels] = buildPrefix(graph, model, stage);
  const out = options.pool ? graph.g.op("GlobalAveragePool", [body]) : body;
  graph.g.op("Transpose", [out], { perm: [0, 2, 3, 1] }, "activation");
  const proto = ox.ModelProto.create({
    irVersion: 8,
    producerName: "residual",
    producerVersion: "0.1.0",
    opsetImport: [{ domain: "", version: opset }],
    graph: {
      name: `${config.arch}.${stage}`,
      node: graph.g.nodes,
      initializer: graph.g.initializers,
      input: [floatValueInfo("input", ["batch", "height", "width", config.inChannels])],
      output: [
        floatValueInfo("activation", [
          "batch",
          options.pool ? 1 : "out_height",
          options.pool ? 1 : "out_width",
          channels,
        ]),
      ],
    },
    metadataProps: [
      { key: "residual.arch", value: config.arch },
      { key: "residual.input_layout", value: "NHWC" },
      { key: "residual.prefix_stage", value: stage },
    ],
  });
  return ox.ModelProto.encode(proto).finish();
}
