/**
 * The training-step benchmark that `bench/gpu-smoke.sh` runs inside the trainer image on a GPU host: chooses the
 * tfjs backend the way the worker does, builds a ResNet, and times full training steps (forward in training mode,
 * softmax cross-entropy, gradients of every trainable variable, one SGD update) on a fixed random batch.
 *
 * Prints, one per line: the backend and whether tfjs-node runs on a GPU device, seconds from process start until
 * the backend was ready and until the first step had finished (on sm_86+ with a cold CUDA JIT cache both include
 * the driver compiling libtensorflow's PTX), median/min/max ms of the following steps, images/s at the median,
 * and a `result:` JSON line with the same numbers.
 *
 * Defaults: ResNet-50, 224², batch 64, 1,000 classes, 10 timed steps. `--require-gpu` exits 2 as soon as the
 * backend is known not to use a GPU. On a CPU (e.g. the test, with RESIDUAL_BACKEND=cpu):
 *   node --import tsx bench/gpu-step.ts --arch cifar_resnet20 --size 16 --batch 4 --steps 1
 * `npm run bench` skips this file (it is GPU-sized); name it to run it: `npm run bench -- gpu-step`.
 */
import { parseArgs } from "node:util";
import { type ArchName, createResNet, initBackend, isArchName } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";

const flagsSchema = z.object({
  arch: z.string().refine(isArchName, "must be an architecture name, e.g. resnet50 or cifar_resnet20"),
  size: z.coerce.number().int().min(8).max(1024),
  batch: z.coerce.number().int().min(1).max(1024),
  steps: z.coerce.number().int().min(1).max(1000),
  classes: z.coerce.number().int().min(2).max(100_000),
  "require-gpu": z.boolean(),
});

interface Flags {
  arch: ArchName;
  size: number;
  batch: number;
  steps: number;
  classes: number;
  requireGpu: boolean;
}

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      arch: { type: "string", default: "resnet50" },
      size: { type: "string", default: "224" },
      batch: { type: "string", default: "64" },
      steps: { type: "string", default: "10" },
      classes: { type: "string", default: "1000" },
      "require-gpu": { type: "boolean", default: false },
    },
  });
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `--${i.path.join(".")} ${i.message}`).join("; ");
    throw new Error(`gpu-step: bad flags: ${issues}`);
  }
  const { arch, size, batch, steps, classes } = parsed.data;
  return { arch: arch as ArchName, size, batch, steps, classes, requireGpu: parsed.data["require-gpu"] };
}

/** tfjs-node's backend says whether TensorFlow placed ops on a GPU; wasm and cpu never do. */
function usesGpu(): boolean {
  const backend = tf.backend() as { isUsingGpuDevice?: unknown };
  return backend.isUsingGpuDevice === true;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

interface StepTimes {
  /** The first step (cuDNN picks its algorithms here; with a cold JIT cache, lazily loaded kernels compile). */
  firstMs: number;
  /** `performance.now()` (ms since process start) when the first step had finished. */
  firstDoneAt: number;
  /** The timed steps after it. */
  stepMs: number[];
}

/** Builds the model and runs 1 + `steps` training steps on one fixed batch. */
async function timeSteps(flags: Flags): Promise<StepTimes> {
  const model = createResNet(flags.arch, { numClasses: flags.classes, seed: 0 });
  const x = tf.randomNormal([flags.batch, flags.size, flags.size, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const labels = tf.tidy(() => {
    const ids = Array.from({ length: flags.batch }, (_, i) => i % flags.classes);
    return tf.oneHot(tf.tensor1d(ids, "int32"), flags.classes);
  });
  const optimizer = tf.train.sgd(0.01);
  const times: number[] = [];
  let firstDoneAt = Number.NaN;
  try {
    for (let i = 0; i <= flags.steps; i++) {
      const started = performance.now();
      const { value, grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(labels, model.forward(x, { training: true }).logits) as tf.Scalar,
        model.trainableVariables(),
      );
      optimizer.applyGradients(grads);
      // Reading the loss waits for the device: the step is done when its time is taken.
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
      times.push(performance.now() - started);
      if (i === 0) firstDoneAt = performance.now();
    }
  } finally {
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
  }
  return { firstMs: times[0] ?? Number.NaN, firstDoneAt, stepMs: times.slice(1) };
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const { size, batch, steps, classes } = flags;
  console.log(
    `gpu-step: ${flags.arch} ${size}x${size} batch ${batch}, ${classes} classes, ${steps} timed steps`,
  );
  const choice = await initBackend({ logger: () => undefined });
  const readyMs = performance.now();
  const gpu = usesGpu();
  console.log(`backend: ${choice.backend} (${choice.reason}) threads=${choice.threads}`);
  console.log(`gpu device: ${gpu ? "yes" : "no"}`);
  console.log(`backend ready: ${seconds(readyMs)} s after process start`);
  if (flags.requireGpu && !gpu) {
    console.error(`gpu-step: --require-gpu, but the ${choice.backend} backend runs on no GPU device`);
    process.exitCode = 2;
    return;
  }
  const { firstMs, firstDoneAt, stepMs } = await timeSteps(flags);
  const med = median(stepMs);
  const imagesPerSecond = batch / (med / 1000);
  console.log(`first step: ${seconds(firstMs)} s`);
  console.log(`time to first step: ${seconds(firstDoneAt)} s after process start`);
  console.log(
    `step: median ${med.toFixed(1)} ms, min ${Math.min(...stepMs).toFixed(1)} ms, max ${Math.max(...stepMs).toFixed(1)} ms`,
  );
  console.log(`images/s: ${imagesPerSecond.toFixed(1)}`);
  const result = {
    arch: flags.arch,
    size,
    batch,
    classes,
    steps,
    backend: choice.backend,
    gpu,
    backendReadyS: readyMs / 1000,
    firstStepS: firstMs / 1000,
    timeToFirstStepS: firstDoneAt / 1000,
    medianStepMs: med,
    imagesPerSecond,
  };
  console.log(`result: ${JSON.stringify(result)}`);
}

await main();
