/**
 * Head-only fine-tuning: 1,000 images × 10 epochs, resnet18 at 112 px, backbone frozen (BatchNorms in eval mode).
 * Ours: runTraining with the frozen-prefix cache: the frozen backbone runs once per image on onnxruntime-node
 * (BN-folded ONNX export of the prefix, pooled at layer4), then 10 epochs of the head on tfjs.
 * Ours is run three times: the default (ORT picks, batch by batch, the faster of intra-op threads = cores and 1),
 * then fixed at cores and fixed at 1 thread, to show what the choice is worth on this (shared) machine.
 * Peer: a naive PyTorch loop (torch 1.13 on /usr/bin/python3, its default thread count) that runs the full
 * forward every epoch. Prints the times and ratios.
 * Run: node --import tsx bench/head-finetune.ts [images] [epochs] [size]
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { inMemoryImageSet, parseJobSpec, runTraining, type TrainingData } from "@residual/pipeline";
import { createResNet, initBackend } from "@residual/resnet";

const N = Number(process.argv[2] ?? 1000);
const EPOCHS = Number(process.argv[3] ?? 10);
const SIZE = Number(process.argv[4] ?? 112);
const BATCH = 32;
const CLASSES = 10;

const PEER = `
import sys, time, torch, torchvision
n, epochs, size, batch, classes = map(int, sys.argv[1:6])
torch.manual_seed(0)
x = torch.randn(n, 3, size, size)
y = torch.randint(0, classes, (n,))
model = torchvision.models.resnet18(num_classes=classes)
for p in model.parameters():
    p.requires_grad = False
for p in model.fc.parameters():
    p.requires_grad = True
model.eval()  # frozen backbone: BatchNorms use running statistics, as ours
opt = torch.optim.SGD(model.fc.parameters(), lr=0.0125, momentum=0.9, weight_decay=1e-4)
t0 = time.time()
for epoch in range(epochs):
    perm = torch.randperm(n)
    for i in range(0, n, batch):
        idx = perm[i:i + batch]
        loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(); loss.backward(); opt.step()
print((time.time() - t0) * 1000, torch.get_num_threads())
`;

function syntheticData(): TrainingData {
  const pixels = new Float32Array(N * SIZE * SIZE * 3);
  let s = 1;
  for (let i = 0; i < pixels.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    pixels[i] = s / 2 ** 31 - 1;
  }
  const labels = Array.from({ length: N }, (_, i) => i % CLASSES);
  const empty = inMemoryImageSet(new Float32Array(0), [], SIZE, 3);
  return {
    classNames: Array.from({ length: CLASSES }, (_, c) => `c${c}`),
    train: inMemoryImageSet(pixels, labels, SIZE, 3),
    val: empty,
    augment: false,
  };
}

async function ours(prefixThreads?: number): Promise<number> {
  const backend = await initBackend({ logger: () => {} });
  const spec = parseJobSpec({
    arch: "resnet18",
    imageSize: SIZE,
    epochs: EPOCHS,
    batchSize: BATCH,
    freeze: 6,
  });
  const model = createResNet("resnet18", { numClasses: CLASSES, seed: 0 });
  const data = syntheticData();
  const t0 = performance.now();
  const result = await runTraining({ model, spec, data, ...(prefixThreads ? { prefixThreads } : {}) });
  const ms = performance.now() - t0;
  const [first, ...rest] = result.history.map((r) => r.seconds);
  const restAvg = rest.length ? rest.reduce((a, b) => a + b, 0) / rest.length : 0;
  const threads = prefixThreads ?? `adaptive ${availableParallelism()}|1`;
  console.log(
    `ours (prefix threads ${threads}): head on ${backend.backend} x${backend.threads}, cached after ${result.cachedStage} (${result.cacheEngine}, ${result.cachePrecision}); ` +
      `epoch 1 (fills the cache) ${first?.toFixed(1)} s, later epochs ${restAvg.toFixed(2)} s each, total ${(ms / 1000).toFixed(1)} s`,
  );
  model.dispose();
  return ms;
}

function peer(): { ms: number; threads: number } {
  const python = process.env.RESIDUAL_TORCH_PYTHON ?? "/usr/bin/python3";
  const args = [N, EPOCHS, SIZE, BATCH, CLASSES].map(String);
  const res = spawnSync(python, ["-c", PEER, ...args], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`torch peer failed: ${res.stderr}`);
  const [ms, threads] = res.stdout.trim().split(/\s+/).map(Number);
  return { ms: ms!, threads: threads! };
}

const oursMs = await ours();
const oursCoresMs = await ours(availableParallelism());
const ours1Ms = await ours(1);
const p = peer();
const rate = (ms: number) => ((N * EPOCHS) / (ms / 1000)).toFixed(1);
console.log(`head-finetune resnet18@${SIZE}, ${N} images x ${EPOCHS} epochs, batch ${BATCH}`);
console.log(`ours (ORT prefix fill, adaptive threads): ${oursMs.toFixed(0)} ms (${rate(oursMs)} images/s)`);
console.log(
  `ours (ORT prefix fill, threads = cores):  ${oursCoresMs.toFixed(0)} ms (${rate(oursCoresMs)} images/s)`,
);
console.log(`ours (ORT prefix fill, 1 thread):         ${ours1Ms.toFixed(0)} ms (${rate(ours1Ms)} images/s)`);
console.log(
  `peer (torch 1.13, ${p.threads} thread(s), naive loop): ${p.ms.toFixed(0)} ms (${rate(p.ms)} images/s)`,
);
console.log(`ratio (peer / ours, default):  ${(p.ms / oursMs).toFixed(2)}x`);
console.log(`ratio (peer / ours, cores):    ${(p.ms / oursCoresMs).toFixed(2)}x`);
console.log(`ratio (peer / ours, 1 thread): ${(p.ms / ours1Ms).toFixed(2)}x`);
