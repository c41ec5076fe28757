import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import { registerWasmTrainingKernels } from "@residual/resnet";
import { type ConvSpec, groupedConv2d } from "@residual/resnet/testing";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { maxAbsDiff } from "./support/tensors.js";

/** The definition of a grouped conv, written independently: one conv per group of channels. */
function reference(x: tf.Tensor4D, w: tf.Tensor4D, s: ConvSpec): tf.Tensor4D {
  const cin = s.inChannels / s.groups;
  const cout = s.outChannels / s.groups;
  const outs = Array.from({ length: s.groups }, (_, g) => {
    const xg = tf.slice(x, [0, 0, 0, g * cin], [-1, -1, -1, cin]);
    const wg = tf.slice(w, [0, 0, 0, g * cout], [-1, -1, -1, cout]);
    return tf.conv2d(xg, wg, s.stride, s.pad);
  });
  return tf.concat(outs, 3);
}

const SPECS: ConvSpec[] = [
  { name: "a", kernel: 3, stride: 1, pad: 1, inChannels: 16, outChannels: 16, groups: 4 },
  { name: "b", kernel: 3, stride: 2, pad: 1, inChannels: 32, outChannels: 32, groups: 8 },
];

describe.each(["cpu", "wasm"])("groupedConv2d on %s", (backend) => {
  it.each(SPECS)("matches the per-group definition, values and gradients (stride $stride)", async (s) => {
    await tf.setBackend(backend);
    // tfjs-backend-wasm ships no conv gradients; the package's kernels provide Conv2DBackpropFilter/Input.
    if (backend === "wasm") registerWasmTrainingKernels();
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomNormal([2, 9, 9, s.inChannels], 0, 1, "float32", 1) as tf.Tensor4D;
      const w = tf.randomNormal(
        [3, 3, s.inChannels / s.groups, s.outChannels],
        0,
        1,
        "float32",
        2,
      ) as tf.Tensor4D;
      expect(maxAbsDiff(groupedConv2d(x, w, s), reference(x, w, s))).toBeLessThan(1e-4);
      // Under a gradient tape wasm takes the split path (no depthwise backprop kernels), cpu the depthwise one.
      const loss =
        (f: typeof reference) =>
        (...[a, b]: tf.Tensor[]) =>
          tf.sum(tf.square(f(a as tf.Tensor4D, b as tf.Tensor4D, s)));
      const [gx, gw] = tf.grads(loss(groupedConv2d))([x, w]);
      const [rx, rw] = tf.grads(loss(reference))([x, w]);
      expect(maxAbsDiff(gx!, rx!)).toBeLessThan(1e-3);
      expect(maxAbsDiff(gw!, rw!)).toBeLessThan(1e-3);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
