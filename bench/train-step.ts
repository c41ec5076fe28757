/**
 * One ResNet-18 training step (SGD, cross-entropy, BatchNorm in training mode, all layers trainable) on wasm:
 * - ours: all of Residual's wasm kernels (Conv2DBackpropFilter, Conv2DBackpropInput, MaxPoolGrad, Sum, Mean);
 * - stock: tfjs-backend-wasm's own kernels, except our Conv2DBackpropFilter (stock wasm has none, so a step
 *   cannot run at all without it);
 * - peer: PyTorch 1.13 (/usr/bin/python3), same shapes, same thread count as wasm.
 * Prints median ms per step and the ratios. Run: node --import tsx bench/train-step.ts [batch] [size] [steps]
 */
import { spawnSync } from "node:child_process";
import {
  createResNet,
  initBackend,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
} from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { conv2DBackpropFilterWasm } from "../packages/resnet/src/kernels/conv2d-backprop-filter.js";

const BATCH = Number(process.argv[2] ?? 8);
const SIZE = Number(process.argv[3] ?? 224);
const STEPS = Number(process.argv[4] ?? 3);
const CLASSES = 10;

const PEER = `
import sys, time, torch, torchvision
batch, size, steps, threads = map(int, sys.argv[1:5])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torchvision.models.resnet18(num_classes=10).train()
x = torch.randn(batch, size, size, 3).permute(0, 3, 1, 2).contiguous()
y = torch.arange(batch) % 10
opt = torch.optim.SGD(model.parameters(), lr=0.01)
times = []
for i in range(steps + 1):
    t0 = time.time()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
    times.append((time.time() - t0) * 1000)
times = sorted(times[1:])
print(times[len(times) // 2])
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median step time in ms after one warm-up step. */
async function timeSteps(): Promise<number> {
  const model = createResNet("resnet18", { numClasses: CLASSES, seed: 0 });
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const labels = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: BATCH }, (_, i) => i % CLASSES),
        "int32",
      ),
      CLASSES,
    ),
  );
  const opt = tf.train.sgd(0.01);
  const times: number[] = [];
  try {
    for (let i = 0; i <= STEPS; i++) {
      const t0 = performance.now();
      const loss = opt.minimize(
        () => tf.losses.softmaxCrossEntropy(labels, model.forward(x, { training: true }).logits) as tf.Scalar,
        true,
        model.trainableVariables(),
      );
      await loss?.data();
      loss?.dispose();
      if (i > 0) times.push(performance.now() - t0);
    }
  } finally {
    tf.dispose([x, labels]);
    opt.dispose();
    model.dispose();
  }
  return median(times);
}

function peerMs(threads: number): number | undefined {
  const args = ["-c", PEER, String(BATCH), String(SIZE), String(STEPS), String(threads)];
  const r = spawnSync("/usr/bin/python3", args, { encoding: "utf8" });
  if (r.status !== 0) {
    console.error(`PyTorch peer failed: ${r.stderr.trim().split("\n").pop()}`);
    return undefined;
  }
  return Number(r.stdout.trim());
}

const { backend, threads } = await initBackend({ env: { ...process.env, RESIDUAL_BACKEND: "wasm" } });
console.log(
  `resnet18 training step, batch ${BATCH}, ${SIZE}x${SIZE}, ${backend} threads=${threads}, ${STEPS} steps`,
);
registerWasmTrainingKernels();
const ours = await timeSteps();
console.log(`ours (wasm + Residual kernels)         ${ours.toFixed(0)} ms/step`);

unregisterWasmTrainingKernels();
tf.registerKernel({
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2DBackpropFilterWasm,
});
const stock = await timeSteps();
tf.unregisterKernel(tf.Conv2DBackpropFilter, "wasm");
registerWasmTrainingKernels();
console.log(
  `stock wasm kernels (+ our filter grad) ${stock.toFixed(0)} ms/step  (ours is ${(stock / ours).toFixed(2)}x faster)`,
);
console.log("wasm fully stock                       n/a (tfjs-backend-wasm has no Conv2DBackpropFilter)");

const torch = peerMs(threads);
if (torch !== undefined) {
  console.log(
    `PyTorch 1.13 CPU, ${threads} thread(s)      ${torch.toFixed(0)} ms/step  (ours/torch = ${(ours / torch).toFixed(2)})`,
  );
}
