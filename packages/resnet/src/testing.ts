// `@residual/resnet/testing`: internals the package's tests check directly (kernels, the layer plan, the training
// engine's graph), beside the public API. No stability promise: names follow the code.
export { threadedBuildAvailable } from "./backend/wasm-threads.js";
export { convGeometry } from "./kernels/conv-geometry.js";
export {
  conv2DBackpropFilterWasm,
  filterGradByConv,
  filterGradByIm2col,
} from "./kernels/conv2d-backprop-filter.js";
export { inputGradByConv, inputGradPointwise } from "./kernels/conv2d-backprop-input.js";
export { inputGradPolyphase } from "./kernels/polyphase-input-grad.js";
export { reduceInto } from "./kernels/reduce-sum-mean.js";
export { groupedConv2d } from "./model/layers.js";
export { type ConvSpec, networkPlan, paramSpecs, sizeOf } from "./model/plan.js";
export { ResNetModel } from "./model/resnet-model.js";
export { summarize } from "./model/summary.js";
export { onnxRuntimeNs } from "./onnx/onnx-module.js";
export { buildGraph } from "./wasm-trainer/network-graph.js";
export { bf16ToFloat32, f16ToFloat32 } from "./weights/half-float.js";
