/**
 * Shared geometry of the conv gradient kernels: one place turns tfjs's conv attributes into NHWC sizes and the
 * four pads, so the filter and input gradients agree with the forward conv (and with the cpu backend) exactly.
 */
import { backend_util } from "@tensorflow/tfjs-core";

type Pad = "valid" | "same" | number | backend_util.ExplicitPadding;

/** Attributes common to `Conv2DBackpropFilter` and `Conv2DBackpropInput`. */
export interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** The forward conv, resolved: NHWC sizes, strides and explicit pads. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/**
 * Resolves the forward conv of a gradient kernel. `xShapeNhwc` is the forward input's shape in NHWC.
 *
 * @example
 * ```ts
 * const g = convGeometry([8, 56, 56, 64], [3, 3, 64, 64], { strides: 2, pad: "same", dataFormat: "NHWC" });
 * g.outH; // 28
 * ```
 */
export function convGeometry(
  xShapeNhwc: readonly number[],
  filterShape: readonly number[],
  attrs: ConvGradAttrs,
): ConvGeometry {
  const info = backend_util.computeConv2DInfo(
    xShapeNhwc as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    "channelsLast",
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  };
}

/** NCHW shape → NHWC shape (the kernels compute in NHWC; wasm convs support nothing else). */
export function toNhwcShape(shape: readonly number[], dataFormat: "NHWC" | "NCHW"): number[] {
  const [n, a, b, c] = shape as [number, number, number, number];
  return dataFormat === "NHWC" ? [n, a, b, c] : [n, b, c, a];
}
