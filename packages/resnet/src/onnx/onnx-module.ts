/**
 * onnx-proto is CommonJS; Node's ESM loader exposes only its default export, so the namespace is taken from
 * there once, here, and its types re-exported under the same name.
 */
import onnxProto from "onnx-proto";

export type { onnx } from "onnx-proto";
/**
 * The protobufjs-generated `onnx` namespace (ModelProto, TensorProto, …).
 * @example
 * const ort = onnxRuntimeNs; // the onnx-proto namespace the exporter builds graphs with
 */
export const onnxRuntimeNs: typeof import("onnx-proto").onnx = onnxProto.onnx;
