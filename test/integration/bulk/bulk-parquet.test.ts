/**
 * `residual bulk … --format parquet` (the spawned CLI, a directory in and out): one `.parquet` part per batch with
 * the JSON Lines columns, read back with hyparquet and compared with the JSON Lines output of the same run
 * (embeddings as float32 lists, predictions as lists of `{ label, score }`); the `_SUCCESS` manifest keeps its
 * shape; a re-run in the other format into the same out location is refused.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend } from "@residual/resnet";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { beforeAll, describe, expect, it } from "vitest";
import { runResidual } from "../../support/cli.js";
import { jpeg, type ServingFixture, servingFixture } from "../serving/support/fixtures.js";

let fx: ServingFixture;
let input: string;

interface Manifest {
  parts: Array<{ key: string; input: number; done: number; failed: number }>;
  counts: { input: number; done: number; failed: number };
  failures: Array<{ key: string; code: string }>;
}

beforeAll(async () => {
  await initBackend({ logger: () => undefined });
  fx = await servingFixture();
  input = await mkdtemp(join(tmpdir(), "bulk-pq-in-"));
  for (const i of [1, 2, 3, 4, 5]) await writeFile(join(input, `photo ${i}.jpg`), await jpeg(44, 40, i));
  await writeFile(join(input, "corrupt.jpg"), (await jpeg(64, 64, 8)).subarray(0, 200));
});

async function bulk(mode: "embed" | "classify", format: string, out?: string) {
  const dir = out ?? (await mkdtemp(join(tmpdir(), `bulk-pq-${format}-`)));
  const args = [
    "bulk",
    mode,
    input,
    "--model",
    "pets",
    "--store",
    fx.dir,
    "--out",
    dir,
    "--items-per-batch",
    "2",
  ];
  const r = await runResidual([...args, "--format", format, "--top-k", "2"], { RESIDUAL_STORE: "" });
  return { r, dir };
}

async function manifestOf(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, "_SUCCESS"), "utf8")) as Manifest;
}

async function jsonlRows(dir: string): Promise<Array<Record<string, unknown>>> {
  const m = await manifestOf(dir);
  const texts = await Promise.all(m.parts.map((p) => readFile(join(dir, p.key), "utf8")));
  return texts.flatMap((t) =>
    t
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l)),
  );
}

async function parquetRows(dir: string): Promise<Array<Record<string, unknown>>> {
  const m = await manifestOf(dir);
  const rows: Array<Record<string, unknown>> = [];
  for (const p of m.parts) {
    const bytes = await readFile(join(dir, p.key));
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    rows.push(...(await parquetReadObjects({ file })));
  }
  return rows;
}

const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.key).localeCompare(String(b.key));

describe("residual bulk --format parquet", () => {
  it("embed: parquet parts hold the JSON Lines rows (embeddings as float32), the manifest keeps its shape", async () => {
    const jsonl = await bulk("embed", "jsonl");
    const pq = await bulk("embed", "parquet");
    expect(jsonl.r.code).toBe(0);
    expect(pq.r.stderr).not.toMatch(/residual: error/);
    expect(pq.r.code).toBe(0);

    const [mj, mp] = [await manifestOf(jsonl.dir), await manifestOf(pq.dir)];
    expect(mp.parts.map((p) => p.key)).toEqual(mj.parts.map((p) => p.key.replace(/\.jsonl$/, ".parquet")));
    expect(mp.parts.every((p) => p.key.endsWith(".parquet"))).toBe(true);
    expect(mp.parts.map(({ key: _, ...c }) => c)).toEqual(mj.parts.map(({ key: _, ...c }) => c));
    expect(mp.counts).toEqual({ input: 6, done: 5, failed: 1 });
    expect(mp.failures).toEqual(mj.failures);

    const [rj, rp] = [(await jsonlRows(jsonl.dir)).sort(byKey), (await parquetRows(pq.dir)).sort(byKey)];
    expect(rp.map((r) => r.key)).toEqual([1, 2, 3, 4, 5].map((i) => `photo ${i}.jpg`));
    expect(rp).toHaveLength(rj.length);
    for (const [i, row] of rp.entries()) {
      const ref = rj[i] as { key: string; model: string; version: string; embedding: number[] };
      expect(Object.keys(row)).toEqual(["key", "model", "version", "embedding"]);
      expect(row).toMatchObject({ key: ref.key, model: "pets", version: fx.version });
      expect(row.embedding).toEqual(ref.embedding.map((v) => Math.fround(v)));
    }

    const bytes = await readFile(join(pq.dir, mp.parts[0]!.key));
    const schema = parquetSchema(
      parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    );
    const embedding = schema.children.find((c) => c.element.name === "embedding")!;
    expect(embedding.element.converted_type).toBe("LIST");
    expect(embedding.children[0]!.children[0]!.element.type).toBe("FLOAT");
  });

  it("classify: predictions as lists of { label, score }, equal to the JSON Lines; another format into the same out is refused", async () => {
    const jsonl = await bulk("classify", "jsonl");
    const pq = await bulk("classify", "parquet");
    expect(pq.r.code).toBe(0);
    const [rj, rp] = [(await jsonlRows(jsonl.dir)).sort(byKey), (await parquetRows(pq.dir)).sort(byKey)];
    expect(rp).toHaveLength(5);
    expect(rp).toEqual(rj);
    for (const r of rp) expect(r.predictions).toHaveLength(2);

    const again = await bulk("classify", "jsonl", pq.dir);
    expect(again.r.code).not.toBe(0);
    expect(again.r.stderr).toMatch(/\[bulk_format_mismatch\]/);
  });

  it("refuses an unknown format", async () => {
    const { r } = await bulk("embed", "csv");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\[invalid_options\].*format/s);
  });
});
