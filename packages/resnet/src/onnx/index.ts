// ONNX export of @residual/resnet models.
export type { ExportableModel, ExportOnnxOptions } from "./export-onnx.js";
export { exportOnnx } from "./export-onnx.js";
