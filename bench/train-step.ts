/**
 * One ResNet-18 training step (SGD, cross-entropy, BatchNorm in training mode, all layers trainable):
 * - ours: Residual's wasm training engine (the CPU default: every core, fused SIMD kernels, one program per step);
 * - tfjs wasm: tfjs autodiff on tfjs-backend-wasm with Residual's wasm gradient kernels (the previous CPU path);
 * - stock: tfjs-backend-wasm's own kernels, except our Conv2DBackpropFilter (stock wasm has none);
 * - peer: PyTorch (/usr/bin/python3), same shapes, as many threads as ours.
 * Prints median ms per step and the ratios.
 * Run: node --import tsx bench/train-step.ts [batch] [size] [steps] [--skip-tfjs]
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import {
  createResNet,
  initBackend,
  registerWasmTrainingKernels,
  STAGE_NAMES,
  trainerForModel,
  unregisterWasmTrainingKernels,
} from "@residual/resnet";
import { conv2DBackpropFilterWasm } from "@residual/resnet/testing";
import * as tf from "@tensorflow/tfjs-core";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const BATCH = Number(positional[0] ?? 8);
const SIZE = Number(positional[1] ?? 224);
const STEPS = Number(positional[2] ?? 3);
const SKIP_TFJS = process.argv.includes("--skip-tfjs");
const THREADS = availableParallelism();
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

/** Median engine step time in ms (after one warm-up step), every core. */
async function timeEngine(): Promise<{ ms: number; fma: boolean; threads: number }> {
  const model = createResNet("resnet18", { numClasses: CLASSES, seed: 0 });
  const t = await trainerForModel(model, {
    imageSize: SIZE,
    batch: BATCH,
    trainable: new Set(STAGE_NAMES),
    optimizer: { kind: "sgd", momentum: 0 },
    threads: THREADS,
  });
  t.setGroups([{ names: t.names(), lrScale: 1, weightDecay: 0 }]);
  const x = tf.tidy(() =>
    tf.randomNormal([BATCH, SIZE, SIZE, 3], 0, 1, "float32", 1).dataSync(),
  ) as Float32Array;
  const labels = Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  const times: number[] = [];
  try {
    for (let i = 0; i <= STEPS; i++) {
      const t0 = performance.now();
      t.step(x, labels, 0.01);
      if (i > 0) times.push(performance.now() - t0);
    }
    return { ms: median(times), fma: t.engine.fma, threads: t.threads };
  } finally {
    await t.dispose();
    model.dispose();
  }
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
console.log(`resnet18 training step, batch ${BATCH}, ${SIZE}x${SIZE}, ${STEPS} steps, ${THREADS} cores`);
const engine = await timeEngine();
console.log(
  `ours (wasm training engine, ${engine.threads} threads, ${engine.fma ? "FMA" : "SIMD"}) ${engine.ms.toFixed(0)} ms/step`,
);
const torchMs = peerMs(THREADS);
if (torchMs !== undefined) {
  console.log(`PyTorch CPU, ${THREADS} thread(s)             ${torchMs.toFixed(0)} ms/step`);
  console.log(`ours/torch = ${(engine.ms / torchMs).toFixed(2)}  (target ≤ 2.5)`);
}
if (SKIP_TFJS) process.exit(0);
console.log(`\ntfjs autodiff on ${backend} (threads=${threads}), for comparison:`);
registerWasmTrainingKernels();
const ours = await timeSteps();
console.log(
  `tfjs wasm + Residual kernels          ${ours.toFixed(0)} ms/step  (engine is ${(ours / engine.ms).toFixed(2)}x faster)`,
);

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
  `stock wasm kernels (+ our filter grad) ${stock.toFixed(0)} ms/step  (Residual kernels ${(stock / ours).toFixed(2)}x faster)`,
);
console.log("wasm fully stock                       n/a (tfjs-backend-wasm has no Conv2DBackpropFilter)");

const torchSame = peerMs(threads);
if (torchSame !== undefined) {
  console.log(
    `PyTorch CPU, ${threads} thread(s)             ${torchSame.toFixed(0)} ms/step  (tfjs wasm/torch = ${(ours / torchSame).toFixed(2)})`,
  );
}
