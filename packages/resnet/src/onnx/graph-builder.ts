/**
 * A small builder over onnx-proto's generated messages: named nodes, float/int64 initialisers, attributes.
 * Everything is encoded by protobufjs; this file only assembles plain message objects.
 */
import { type onnx, onnxRuntimeNs as ox } from "./onnx-module.js";

type AttrValue = number | number[] | { float: number };

function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  const T = ox.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === "object") return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.INT, i: value };
}

/** Accumulates a graph; op helpers return the name of their single output. */
export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  /** A unique value name with a readable stem (`layer1.0.conv1_out_3`). */
  fresh(stem: string): string {
    this.counter += 1;
    return `${stem}_${this.counter}`;
  }

  /** Add a float32 initialiser; bytes are copied little-endian (ONNX raw_data is always little-endian). */
  floatTensor(name: string, dims: number[], data: Float32Array): string {
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, dims, dataType: ox.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  /** Add an int64 initialiser (shapes for Reshape). */
  int64Tensor(name: string, values: number[]): string {
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: ox.TensorProto.DataType.INT64,
      int64Data: values,
    });
    return name;
  }

  /** Append a node with one output. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    const out = output ?? this.fresh(`${opType.toLowerCase()}`);
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }
}

/** A float tensor value-info with symbolic (string) or fixed (number) dims. */
export function floatValueInfo(name: string, dims: Array<string | number>): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ox.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}
