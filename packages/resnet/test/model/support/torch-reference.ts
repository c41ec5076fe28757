import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "torch_parity.py");

/** One case written by fixtures/torch_parity.py, read back as tfjs tensors (already in tfjs layout). */
export interface TorchCase {
  batch: number;
  size: number;
  names: string[];
  /** A fresh tensor; the caller disposes it. */
  get(name: string): tf.Tensor;
  /** `weights/*` (or `after/*`) as a name → tensor record without the prefix; the caller disposes them. */
  group(prefix: string): Record<string, tf.Tensor>;
}

/** Run the torch reference for `cases` into a temp dir and load them; the dir is removed before returning. */
export function torchReference(cases: string[]): Map<string, TorchCase> {
  const dir = mkdtempSync(path.join(tmpdir(), "resnet-parity-"));
  try {
    const run = spawnSync("/usr/bin/python3", [SCRIPT, dir, ...cases], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`torch_parity.py failed (${run.status}): ${run.stderr}`);
    return new Map(cases.map((c) => [c, readCase(dir, c)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readCase(dir: string, name: string): TorchCase {
  const index = JSON.parse(readFileSync(path.join(dir, `${name}.json`), "utf8")) as {
    batch: number;
    size: number;
    arrays: Record<string, { shape: number[]; offset: number }>;
  };
  const buf = readFileSync(path.join(dir, `${name}.bin`));
  const floats = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const get = (n: string): tf.Tensor => {
    const a = index.arrays[n];
    if (!a) throw new Error(`no array ${n} in case ${name}`);
    const size = a.shape.reduce((x, y) => x * y, 1);
    return tf.tensor(floats.slice(a.offset, a.offset + size), a.shape, "float32");
  };
  const names = Object.keys(index.arrays);
  const group = (prefix: string) =>
    Object.fromEntries(
      names.filter((n) => n.startsWith(prefix)).map((n) => [n.slice(prefix.length), get(n)]),
    );
  return { batch: index.batch, size: index.size, names, get, group };
}

/** max |a-b| / max(|b|, 1e-6): one scale-free number per comparison. */
export function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    const scale = tf.max(tf.abs(b)).dataSync()[0]!;
    return diff / Math.max(scale, 1e-6);
  });
}
