import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { loadConfig, storeLocation } from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { jpeg, LABELS, type ServingFixture, servingFixture } from "./support/fixtures.js";

const BIN = resolve(import.meta.dirname, "../../../packages/pipeline/bin/residual.js");

/** Run the real CLI; resolves with exit code, stdout and stderr (never rejects on a non-zero exit). */
async function residual(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: { ...process.env, RESIDUAL_STORE: "" },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let fx: ServingFixture;
let files: { a: string; b: string; text: string };

describe("residual embed / classify / models (spawned CLI, real files)", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    fx = await servingFixture();
    const dir = await mkdtemp(join(tmpdir(), "cli-images-"));
    files = { a: join(dir, "a.jpg"), b: join(dir, "b.jpg"), text: join(dir, "notes.jpg") };
    await writeFile(files.a, await jpeg(40, 36, 2));
    await writeFile(files.b, await jpeg(64, 48, 3));
    await writeFile(files.text, "this is not an image");
  });

  it("embed prints one unit-length embedding per file; --no-normalize keeps raw features", async () => {
    const r = await residual(["embed", files.a, files.b, "--store", fx.dir, "--model", "pets"]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as {
      model: string;
      version: string;
      dim: number;
      embeddings: number[][];
    };
    expect(res).toMatchObject({ model: "pets", version: fx.version, dim: 64 });
    expect(res.embeddings).toHaveLength(2);
    for (const e of res.embeddings) expect(Math.hypot(...e)).toBeCloseTo(1, 5);
    const raw = await residual(["embed", files.a, "--store", fx.dir, "--model", "pets", "--no-normalize"]);
    const rawRow = (JSON.parse(raw.stdout) as { embeddings: number[][] }).embeddings[0]!;
    const norm = Math.hypot(...rawRow);
    expect(Math.abs(norm - 1)).toBeGreaterThan(1e-3);
    rawRow.forEach((v, i) => {
      expect(v / norm).toBeCloseTo(res.embeddings[0]![i]!, 4);
    });
  });

  it("classify prints top-k labels per file and fails cleanly on a file that is not an image", async () => {
    const r = await residual(["classify", files.a, "--store", fx.dir, "--model", "pets", "--top-k", "2"]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as { results: Array<{ predictions: Array<{ label: string }> }> };
    expect(res.results).toHaveLength(1);
    const labels = res.results[0]!.predictions.map((p) => p.label);
    expect(labels).toHaveLength(2);
    for (const l of labels) expect(LABELS).toContain(l);
    const bad = await residual(["classify", files.a, files.text, "--store", fx.dir, "--model", "pets"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^residual: error \[image_not_an_image\]: images\[1\]: /);
    const missing = await residual(["classify", files.a, "--store", fx.dir, "--model", "ghost"]);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining("[model_not_found]")]);
  });

  it("models lists (text and --json) and shows a model", async () => {
    const text = await residual(["models", "--store", fx.dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^pets\\s+${fx.version}$`, "m"));
    const json = await residual(["models", "list", "--store", fx.dir, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual([{ name: "pets", latest: fx.version }]);
    const show = await residual(["models", "show", "pets", "--store", fx.dir]);
    expect(JSON.parse(show.stdout)).toMatchObject({ name: "pets", labels: LABELS });
    const empty = await residual(["models", "--store", await mkdtemp(join(tmpdir(), "empty-"))]);
    expect(empty.stdout).toMatch(/no models yet/);
  });

  it("serve resolves its store location exactly as the other commands do (one function, every kind)", () => {
    const envs: Array<[Record<string, string>, string]> = [
      [{}, ".residual"],
      [{ RESIDUAL_STORE: "/data/bucket" }, "/data/bucket"],
      [{ RESIDUAL_BUCKET: "b" }, "s3://b"],
      [{ RESIDUAL_STORE: "s3://x/y", RESIDUAL_BUCKET: "b" }, "s3://x/y"],
      [{ RESIDUAL_STORE: "", RESIDUAL_BUCKET: "" }, ".residual"],
    ];
    for (const [env, expected] of envs) {
      for (const flag of [undefined, "./here", "file:///tmp/x"]) {
        const api = storeLocation(loadConfig("api", env), flag);
        expect(api).toBe(flag ?? expected);
        expect(storeLocation(loadConfig("worker", env), flag)).toBe(api);
        expect(storeLocation(loadConfig("local", env), flag)).toBe(api);
      }
    }
  });
});
