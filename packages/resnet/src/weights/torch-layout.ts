/**
 * torch ↔ tfjs tensor layouts for ResNet state dicts (names are the same on both sides, see ../types.ts):
 * conv weights OIHW ↔ HWIO, the fc weight `[out, in]` ↔ `[in, out]`, everything else (biases, γ/β, running
 * statistics) unchanged. Pure functions on Float32Arrays so the conversion needs no backend and no tensors.
 */

/** A float32 tensor outside tfjs. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Keys a torch state dict has and our model does not: BatchNorm's step counter (unused in eval, momentum set). */
export function isIgnoredTorchKey(name: string): boolean {
  return name.endsWith(".num_batches_tracked");
}

/**
 * Strip wrappers' prefixes (`module.` from DataParallel/DDP, `model.` from Lightning) so such checkpoints load.
 * @example
 * normalizeTorchKey("module.layer1.0.conv1.weight"); // "layer1.0.conv1.weight"
 */
export function normalizeTorchKey(name: string): string {
  return name.replace(/^(module\.|model\.)+/, "");
}

function permute4d(src: HostTensor, perm: [number, number, number, number]): HostTensor {
  const [, d1 = 0, d2 = 0, d3 = 0] = src.shape;
  const inStrides = [d1 * d2 * d3, d2 * d3, d3, 1];
  const outShape = perm.map((p) => src.shape[p] ?? 0);
  const [o0 = 0, o1 = 0, o2 = 0, o3 = 0] = outShape;
  const s = perm.map((p) => inStrides[p] ?? 0);
  const [s0 = 0, s1 = 0, s2 = 0, s3 = 0] = s;
  const out = new Float32Array(src.data.length);
  let k = 0;
  for (let a = 0; a < o0; a++) {
    for (let b = 0; b < o1; b++) {
      for (let c = 0; c < o2; c++) {
        const base = a * s0 + b * s1 + c * s2;
        for (let d = 0; d < o3; d++) out[k++] = src.data[base + d * s3] ?? 0;
      }
    }
  }
  return { shape: outShape, data: out };
}

function transpose2d(src: HostTensor): HostTensor {
  const [rows = 0, cols = 0] = src.shape;
  const out = new Float32Array(src.data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = src.data[r * cols + c] ?? 0;
  }
  return { shape: [cols, rows], data: out };
}

/**
 * One torch tensor to our layout: 4-D conv weights OIHW → HWIO, 2-D (fc) weights `[out, in]` → `[in, out]`.
 * @example
 * torchToTfjs({ shape: [64, 3, 7, 7], data }).shape; // [7, 7, 3, 64]
 */
export function torchToTfjs(t: HostTensor): HostTensor {
  if (t.shape.length === 4) return permute4d(t, [2, 3, 1, 0]);
  if (t.shape.length === 2) return transpose2d(t);
  return t;
}

/**
 * One tensor of ours to torch's layout (the inverse of {@link torchToTfjs}).
 * @example
 * tfjsToTorch({ shape: [7, 7, 3, 64], data }).shape; // [64, 3, 7, 7]
 */
export function tfjsToTorch(t: HostTensor): HostTensor {
  if (t.shape.length === 4) return permute4d(t, [3, 2, 0, 1]);
  if (t.shape.length === 2) return transpose2d(t);
  return t;
}
