/**
 * `residual infer --model <dir|name[@version]> --input <x.npy> [--layout nchw|nhwc] [--features] --output <y.npy>`:
 * float32 `.npy` in, eval-mode logits (or pooled features) `.npy` out. The input is already normalised.
 */
import {
  initBackend,
  isResNetError,
  loadResNet,
  type NpyArray,
  type ResNet,
  readNpy,
  writeNpy,
} from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import type { Command } from "commander";
import { z } from "zod";
import { loadConfig } from "../../config/load-config.js";
import { InvalidInputError } from "../../errors.js";
import { translateError } from "../../translate-error.js";
import { cliModelDirectory, withSavedModelOptions } from "../cli-model.js";

const InferOptionsSchema = z.object({
  model: z.string().min(1),
  store: z.string().optional(),
  input: z.string().min(1),
  output: z.string().min(1),
  layout: z.enum(["nchw", "nhwc"]).default("nhwc"),
  features: z.boolean().default(false),
  batchSize: z.coerce.number().int().positive().default(16),
  json: z.boolean().default(false),
});
type InferOptions = z.infer<typeof InferOptionsSchema>;

async function readInput(o: InferOptions): Promise<NpyArray> {
  try {
    return await readNpy(o.input);
  } catch (err) {
    if (isResNetError(err)) throw translateError(err);
    throw new InvalidInputError("file_not_readable", `cannot read ${o.input}: ${String(err)}`, {
      cause: err,
    });
  }
}

/** NHWC dims of the input, checked against the model before any tensor exists. */
function nhwcShape(x: NpyArray, o: InferOptions, model: ResNet): [number, number, number, number] {
  if (x.shape.length !== 4) {
    throw new InvalidInputError(
      "bad_input_shape",
      `${o.input}: expected a 4-D ${o.layout.toUpperCase()} array, got shape [${x.shape}]`,
    );
  }
  const [n = 0, a = 0, b = 0, c = 0] = x.shape;
  const shape: [number, number, number, number] = o.layout === "nchw" ? [n, b, c, a] : [n, a, b, c];
  if (shape[3] !== model.config.inChannels) {
    throw new InvalidInputError(
      "bad_input_shape",
      `${o.input}: ${o.layout.toUpperCase()} shape [${x.shape}] has ${shape[3]} channels, the model takes ${model.config.inChannels}${o.layout === "nhwc" && a === model.config.inChannels ? " (is it NCHW? pass --layout nchw)" : ""}`,
    );
  }
  return shape;
}

/** Runs in slices of `batchSize` images so a big input never holds every activation at once. */
async function run(model: ResNet, x: NpyArray, o: InferOptions): Promise<NpyArray> {
  const [n, h, w, c] = nhwcShape(x, o, model);
  const per = x.data.length / n;
  const width = o.features ? model.featureDim : model.config.numClasses;
  const out = new Float32Array(n * width);
  for (let start = 0; start < n; start += o.batchSize) {
    const count = Math.min(o.batchSize, n - start);
    const y = tf.tidy(() => {
      const raw = x.data.subarray(start * per, (start + count) * per);
      const t =
        o.layout === "nchw"
          ? tf.transpose(tf.tensor4d(raw, [count, c, h, w]), [0, 2, 3, 1])
          : tf.tensor4d(raw, [count, h, w, c]);
      return o.features ? model.features(t as tf.Tensor4D) : model.predict(t as tf.Tensor4D);
    });
    try {
      out.set(await y.data(), start * width);
    } finally {
      y.dispose();
    }
  }
  return { shape: [n, width], data: out };
}

async function infer(raw: unknown): Promise<void> {
  const parsed = InferOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError("invalid_options", `infer: ${parsed.error.message}`);
  const o = parsed.data;
  const config = loadConfig("worker");
  const dir = await cliModelDirectory(o.model, o.store, config);
  const x = await readInput(o);
  await initBackend({ ...config.backend, logger: () => undefined });
  const model = await loadResNet(dir);
  try {
    const y = await run(model, x, o);
    await writeNpy(o.output, y);
    process.stdout.write(
      o.json
        ? `${JSON.stringify({ output: o.output, shape: y.shape })}\n`
        : `residual: wrote ${o.output} [${y.shape}]\n`,
    );
  } finally {
    model.dispose();
  }
}

/**
 * Register `infer`.
 * @example
 * // residual infer --model models/flowers --input x.npy --layout nchw --output logits.npy
 * register(program);
 */
export function register(program: Command): void {
  withSavedModelOptions(
    program
      .command("infer")
      .description(
        "run a saved model on a float32 .npy batch (already normalised) and write logits or features",
      ),
  )
    .requiredOption("--input <file>", "input .npy, float32, 4-D")
    .requiredOption("--output <file>", "output .npy: [N, classes] logits or [N, featureDim] features")
    .option("--layout <layout>", "input layout: nhwc or nchw", "nhwc")
    .option("--features", "write pooled features instead of logits")
    .option("--batch-size <n>", "images per forward pass", "16")
    .option("--json", "print {output, shape} as JSON")
    .action((opts: unknown) => infer(opts));
}
