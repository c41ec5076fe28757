/**
 * Our model → a torchvision state dict as `.safetensors`, loadable with
 * `model.load_state_dict(safetensors.torch.load_file(path))` (strict).
 */
import type { ResNet } from "../types.js";
import { encodeSafetensors, type SafetensorsTensor } from "./safetensors.js";
import { tfjsToTorch } from "./torch-layout.js";

/**
 * Options of {@link exportTorchWeights}.
 * @example
 * const bytes = await exportTorchWeights(model, {} satisfies ExportTorchOptions);
 */
export interface ExportTorchOptions {
  /** Extra `__metadata__` entries; `format: "pt"` and `arch` are always written. */
  metadata?: Record<string, string>;
}

/**
 * Every named weight in torch layout (HWIO → OIHW, fc `[in, out]` → `[out, in]`), with a zero
 * `num_batches_tracked` after each BatchNorm so the key set equals torchvision's `state_dict()`.
 * Reads the values asynchronously; creates no tensors.
 * @example
 * await writeFile("resnet18.safetensors", await exportTorchWeights(model));
 */
export async function exportTorchWeights(model: ResNet, opts: ExportTorchOptions = {}): Promise<Uint8Array> {
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, v] of model.namedWeights()) {
    const data = (await v.data()) as Float32Array;
    tensors.set(name, tfjsToTorch({ shape: v.shape, data }));
    if (name.endsWith(".running_var")) {
      // torch's BatchNorm counts steps here; it is unused when momentum is set, so zero is faithful.
      tensors.set(name.replace(/running_var$/, "num_batches_tracked"), {
        shape: [],
        data: new BigInt64Array(1),
      });
    }
  }
  return encodeSafetensors(tensors, { format: "pt", arch: model.config.arch, ...opts.metadata });
}
