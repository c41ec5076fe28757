/**
 * Head-only fine-tuning: 1,000 images × 10 epochs, resnet18 at 112 px, backbone frozen (BatchNorms in eval mode).
 * Ours: runTraining with the frozen-prefix cache (the backbone runs once per image, then 10 epochs of the head).
 * Peer: a naive PyTorch loop (torch 1.13 on /usr/bin/python3) that runs the full forward every epoch.
 * Prints both times and the ratio. Run: node --import tsx bench/head-finetune.ts [images] [epochs] [size]
 */
import { spawnSync } from "node:child_process";
import { createResNet, initBackend } from "@residual/resnet";
import { inMemoryExamples, type TrainingData } from "../packages/pipeline/src/train/examples.js";
import { parseJobSpec } from "../packages/pipeline/src/train/job-spec.js";
import { runTraining } from "../packages/pipeline/src/train/run-training.js";

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
print((time.time() - t0) * 1000)
`;

function syntheticData(): TrainingData {
  const pixels = new Float32Array(N * SIZE * SIZE * 3);
  let s = 1;
  for (let i = 0; i < pixels.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    pixels[i] = s / 2 ** 31 - 1;
  }
  const labels = Array.from({ length: N }, (_, i) => i % CLASSES);
  const empty = inMemoryExamples(new Float32Array(0), [], SIZE, 3);
  return {
    classNames: Array.from({ length: CLASSES }, (_, c) => `c${c}`),
    train: inMemoryExamples(pixels, labels, SIZE, 3),
    val: empty,
    augment: false,
  };
}

async function ours(): Promise<number> {
  const backend = await initBackend();
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
  const result = await runTraining({ model, spec, data });
  const ms = performance.now() - t0;
  const [first, ...rest] = result.history.map((r) => r.seconds);
  const restAvg = rest.length ? rest.reduce((a, b) => a + b, 0) / rest.length : 0;
  console.log(
    `ours: backend ${backend.backend} x${backend.threads}, cached after ${result.cachedStage} (${result.cacheEngine}, ${result.cachePrecision})`,
  );
  console.log(
    `ours: epoch 1 (fills the cache) ${first?.toFixed(1)} s, later epochs ${restAvg.toFixed(2)} s each`,
  );
  model.dispose();
  return ms;
}

function peer(): number {
  const python = process.env.RESIDUAL_TORCH_PYTHON ?? "/usr/bin/python3";
  const args = [N, EPOCHS, SIZE, BATCH, CLASSES].map(String);
  const res = spawnSync(python, ["-c", PEER, ...args], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`torch peer failed: ${res.stderr}`);
  return Number(res.stdout.trim());
}

const oursMs = await ours();
const peerMs = peer();
console.log(`head-finetune resnet18@${SIZE}, ${N} images x ${EPOCHS} epochs, batch ${BATCH}`);
console.log(
  `ours (tfjs, frozen-prefix cache): ${oursMs.toFixed(0)} ms (${((N * EPOCHS) / (oursMs / 1000)).toFixed(1)} images/s)`,
);
console.log(
  `peer (torch ${"1.13"}, naive loop): ${peerMs.toFixed(0)} ms (${((N * EPOCHS) / (peerMs / 1000)).toFixed(1)} images/s)`,
);
console.log(`ratio (peer / ours): ${(peerMs / oursMs).toFixed(2)}x`);
