/**
 * Training checkpoints through the ObjectStore, under a prefix such as `jobs/<id>/checkpoints/`:
 * `ckpt-<epoch>-<step>.bin` (every weight, running statistics included, and every optimizer slot, float32),
 * `ckpt-<epoch>-<step>.json` (loop state: epoch, step, phase, metrics history, early-stopping state, RNG keys, and
 * the index of the .bin), then `latest.json` pointing at the manifest, written last so a reader never follows it
 * to a half-written checkpoint.
 *
 * RNG state is a seed: every random draw of the loop is `createRng(seed, purpose, epoch, …)`, so (seed, epoch,
 * step) reproduces the shuffle order and the augmented views exactly.
 */

import type { ResNet } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { InvalidInputError } from "../../errors.js";
import type { ObjectStore } from "../../store/object-store.js";
import type { OptimizerState } from "../loop/group-optimizer.js";

/** Whatever holds the optimizer state: the GroupOptimizer, or a step engine speaking its format. */
export interface OptimizerStateHolder {
  getState(): OptimizerState;
  setState(state: OptimizerState, shapes: ReadonlyMap<string, number[]>): void;
}

import { weightShapes } from "../loop/param-groups.js";

const epochRecordSchema = z.object({
  epoch: z.number(),
  phase: z.number(),
  lr: z.number(),
  trainLoss: z.number(),
  trainTop1: z.number(),
  trainTop5: z.number().optional(),
  valLoss: z.number(),
  valTop1: z.number(),
  valTop5: z.number().optional(),
  seconds: z.number(),
  imagesPerSec: z.number(),
});
/**
 * One finished epoch's metrics, as the history in checkpoints, metrics.json and job.json records it.
 * @example
 * const last: EpochRecord | undefined = result.history.at(-1);
 */
export type EpochRecord = z.infer<typeof epochRecordSchema>;

export const loopStateSchema = z.object({
  epoch: z.number().int().nonnegative(),
  /** Steps already done in `epoch`. */
  step: z.number().int().nonnegative(),
  globalStep: z.number().int().nonnegative(),
  history: z.array(epochRecordSchema),
  partial: z.object({ lossSum: z.number(), count: z.number(), top1: z.number(), top5: z.number() }),
  early: z.object({ best: z.number().nullable(), bestEpoch: z.number(), bad: z.number() }),
  stopped: z.boolean(),
});
export type LoopState = z.infer<typeof loopStateSchema>;

const tensorEntrySchema = z.object({
  name: z.string(),
  slot: z.string().optional(),
  step: z.number().optional(),
  shape: z.array(z.number().int().nonnegative()),
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
});

const manifestSchema = z.object({
  format: z.literal("residual-checkpoint"),
  version: z.literal(1),
  seed: z.number(),
  phase: z.number().int().nonnegative(),
  optimizer: z.enum(["sgd", "adamw"]),
  state: loopStateSchema,
  weights: z.array(tensorEntrySchema),
  slots: z.array(tensorEntrySchema),
  data: z.string(),
});
type Manifest = z.infer<typeof manifestSchema>;

export interface Checkpoint {
  seed: number;
  phase: number;
  state: LoopState;
}

/**
 * Object tags on every checkpoint object: the bucket's lifecycle rule expires checkpoints by this tag (lifecycle
 * filters cannot match `jobs/*\/checkpoints/`). `latest.json` carries it too: it is rewritten with every
 * checkpoint, so it never expires before the manifest it points at.
 */
export const CHECKPOINT_TAGS: Readonly<Record<string, string>> = { "residual:kind": "checkpoint" };

/**
 * Base name of the checkpoint taken at (epoch, step): `ckpt-00003-0000000` is the end of epoch 2 (state epoch 3,
 * step 0). Zero-padded, so names sort in training order.
 *
 * @example
 * checkpointName(3, 0); // "ckpt-00003-0000000"
 */
export function checkpointName(epoch: number, step: number): string {
  return `ckpt-${String(epoch).padStart(5, "0")}-${String(step).padStart(7, "0")}`;
}

function ckptName(state: LoopState): string {
  return checkpointName(state.epoch, state.step);
}

/**
 * Write a checkpoint and move `latest.json` to it.
 *
 * @example
 * await saveCheckpoint(store, "jobs/abc/checkpoints/", model, opt, { seed: 0, phase: 1, state });
 */
export async function saveCheckpoint(
  store: ObjectStore,
  prefix: string,
  model: ResNet,
  optimizer: Pick<OptimizerStateHolder, "getState">,
  ckpt: Checkpoint,
): Promise<string> {
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = (values: Float32Array, entry: Omit<z.infer<typeof tensorEntrySchema>, "offset" | "length">) => {
    chunks.push(values);
    const e = { ...entry, offset, length: values.length };
    offset += values.length;
    return e;
  };
  const weights = [...model.namedWeights()].map(([name, v]) =>
    add(Float32Array.from(v.dataSync()), { name, shape: v.shape }),
  );
  const opt: OptimizerState = optimizer.getState();
  const slots = Object.entries(opt.params).flatMap(([name, p]) =>
    Object.entries(p.slots).map(([slot, values]) => add(values, { name, slot, step: p.step, shape: [] })),
  );
  const base = `${prefix}${ckptName(ckpt.state)}`;
  const bin = Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
  const tags = { ...CHECKPOINT_TAGS };
  await store.put(`${base}.bin`, bin, { contentType: "application/octet-stream", tags });
  const manifest: Manifest = {
    format: "residual-checkpoint",
    version: 1,
    seed: ckpt.seed,
    phase: ckpt.phase,
    optimizer: opt.kind,
    state: ckpt.state,
    weights,
    slots,
    data: `${base}.bin`,
  };
  await store.put(`${base}.json`, JSON.stringify(manifest), { contentType: "application/json", tags });
  await store.put(`${prefix}latest.json`, JSON.stringify({ manifest: `${base}.json` }), {
    contentType: "application/json",
    tags,
  });
  return `${base}.json`;
}

function floats(bin: Buffer, offset: number, length: number): Float32Array {
  const copy = new Float32Array(length);
  copy.set(new Float32Array(bin.buffer, bin.byteOffset + offset * 4, length));
  return copy;
}

/**
 * Load the latest checkpoint into `model` and `optimizer` (whose groups must already be set for the checkpoint's
 * phase); undefined when there is none. A malformed checkpoint is InvalidInputError `invalid_checkpoint`.
 */
export async function loadLatestCheckpoint(
  store: ObjectStore,
  prefix: string,
  model: ResNet,
  optimizer: Pick<OptimizerStateHolder, "setState">,
): Promise<Checkpoint | undefined> {
  const manifest = await readLatestManifest(store, prefix);
  if (!manifest) return undefined;
  const bin = await store.get(manifest.data);
  loadManifestWeights(model, manifest, bin);
  const params: OptimizerState["params"] = {};
  for (const s of manifest.slots) {
    const p = params[s.name] ?? { step: s.step ?? 0, slots: {} };
    p.slots[s.slot ?? "value"] = floats(bin, s.offset, s.length);
    params[s.name] = p;
  }
  optimizer.setState({ kind: manifest.optimizer, params }, weightShapes(model));
  return { seed: manifest.seed, phase: manifest.phase, state: manifest.state };
}

function loadManifestWeights(model: ResNet, manifest: Manifest, bin: Buffer): void {
  const tensors = new Map<string, tf.Tensor>();
  for (const w of manifest.weights) tensors.set(w.name, tf.tensor(floats(bin, w.offset, w.length), w.shape));
  try {
    model.loadWeights(tensors);
  } finally {
    tf.dispose([...tensors.values()]);
  }
}

/**
 * Load only the weights (running statistics included) of the checkpoint `name` (see {@link checkpointName}) into
 * `model`; false when that checkpoint is not in the store. The optimizer and loop state are left alone.
 *
 * @example
 * await loadCheckpointWeights(store, "jobs/abc/checkpoints/", checkpointName(best + 1, 0), model);
 */
export async function loadCheckpointWeights(
  store: ObjectStore,
  prefix: string,
  name: string,
  model: ResNet,
): Promise<boolean> {
  const key = `${prefix}${name}.json`;
  if (!(await store.head(key))) return false;
  let manifest: Manifest;
  try {
    manifest = manifestSchema.parse(JSON.parse((await store.get(key)).toString()));
  } catch (err) {
    throw new InvalidInputError("invalid_checkpoint", `checkpoint ${key} is unreadable: ${String(err)}`, {
      cause: err,
    });
  }
  loadManifestWeights(model, manifest, await store.get(manifest.data));
  return true;
}

/**
 * The manifest `latest.json` points at (parsed), or undefined.
 * @example
 * const manifest = await readLatestManifest(store, "jobs/j1/checkpoints/"); // undefined before the first
 */
export async function readLatestManifest(store: ObjectStore, prefix: string): Promise<Manifest | undefined> {
  if (!(await store.head(`${prefix}latest.json`))) return undefined;
  try {
    const latest = z
      .object({ manifest: z.string() })
      .parse(JSON.parse((await store.get(`${prefix}latest.json`)).toString()));
    return manifestSchema.parse(JSON.parse((await store.get(latest.manifest)).toString()));
  } catch (err) {
    throw new InvalidInputError(
      "invalid_checkpoint",
      `checkpoint under ${prefix} is unreadable: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
}
