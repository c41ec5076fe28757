import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { loadConfig, storeLocation } from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
import sharp from "sharp";
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
let files: { a: string; b: string; text: string; missing: string; gif: string };
/** What a terminal shows at the end: CRLF as newlines, a redrawn line's last state, no erase codes. */
const screen = (tty: string) =>
  tty
    .replace(/\r\n/g, "\n")
    .replace(/[^\n]*\r/g, "")
    .replaceAll(`${String.fromCharCode(27)}[K`, "");
const lines = (out: string) =>
  out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as unknown);

describe("residual embed / classify / models (spawned CLI, real files)", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    fx = await servingFixture();
    const dir = await mkdtemp(join(tmpdir(), "cli-images-"));
    files = {
      a: join(dir, "a.jpg"),
      b: join(dir, "b.jpg"),
      text: join(dir, "notes.jpg"),
      missing: join(dir, "gone.jpg"),
      gif: join(dir, "anim.png"),
    };
    await writeFile(
      files.gif,
      await sharp({ create: { width: 20, height: 20, channels: 3, background: "#123" } })
        .gif()
        .toBuffer(),
    );
    await writeFile(files.a, await jpeg(40, 36, 2));
    await writeFile(files.b, await jpeg(64, 48, 3));
    await writeFile(files.text, "this is not an image");
  });

  it("embed prints one JSON line per file (file, unit-length embedding); --no-normalize keeps raw features", async () => {
    const r = await residual(["embed", files.a, files.b, "--store", fx.dir, "--model", "pets", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const rows = lines(r.stdout) as Array<{
      file: string;
      model: string;
      version: string;
      dim: number;
      embedding: number[];
    }>;
    expect(rows.map((x) => x.file)).toEqual([files.a, files.b]);
    for (const row of rows) {
      expect(row).toMatchObject({ model: "pets", version: fx.version, dim: 64 });
      expect(Math.hypot(...row.embedding)).toBeCloseTo(1, 5);
    }
    const raw = await residual(["embed", files.a, "--store", fx.dir, "--model", "pets", "--no-normalize"]);
    const rawRow = (lines(raw.stdout)[0] as { embedding: number[] }).embedding;
    const norm = Math.hypot(...rawRow);
    expect(Math.abs(norm - 1)).toBeGreaterThan(1e-3);
    rawRow.forEach((v, i) => {
      expect(v / norm).toBeCloseTo(rows[0]!.embedding[i]!, 4);
    });
  });

  it("classify over many files: bounded batches, a JSON line per file, per-file errors, exit 1 only if one failed", async () => {
    const many = [files.a, files.b, files.text, files.missing, files.gif, files.a, files.b];
    const r = await residual([
      "classify",
      ...many,
      "--store",
      fx.dir,
      "--model",
      "pets",
      "--top-k",
      "2",
      "--batch-size",
      "2",
    ]);
    expect(r.code).toBe(1);
    const rows = lines(r.stdout) as Array<{
      file: string;
      predictions?: Array<{ label: string }>;
      error?: { code: string; message: string };
    }>;
    expect(rows.map((x) => x.file)).toEqual(many);
    expect(rows.map((x) => x.error?.code ?? "ok")).toEqual([
      "ok",
      "ok",
      "image_not_an_image",
      "file_not_readable",
      "unsupported_media_type",
      "ok",
      "ok",
    ]);
    expect(rows[4]!.error!.message).toBe("image format GIF is not accepted; send JPEG, PNG, WEBP");
    for (const row of rows.filter((x) => !x.error)) {
      expect(row.predictions).toHaveLength(2);
      for (const p of row.predictions!) expect(LABELS).toContain(p.label);
    }
    expect(r.stderr).toContain("residual: 3 of 7 files failed");
    const ok = await residual(["classify", files.a, files.b, "--store", fx.dir, "--model", "pets", "--json"]);
    expect([ok.code, lines(ok.stdout).length]).toEqual([0, 2]);
    const missing = await residual(["classify", files.a, "--store", fx.dir, "--model", "ghost"]);
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([
      1,
      "",
      expect.stringContaining("[model_not_found]"),
    ]);
  });

  it("prints tables on a terminal and JSON with --json there too", async () => {
    const onTty = (args: string[]) =>
      promisify(execFile)(
        "/usr/bin/script",
        ["-qec", [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(" "), "/dev/null"],
        {
          env: { ...process.env, RESIDUAL_STORE: "" },
        },
      ).then(
        (x) => screen(x.stdout),
        (e: { stdout: string }) => screen(e.stdout),
      );
    const text = await onTty([
      "classify",
      files.a,
      files.text,
      "--store",
      fx.dir,
      "--model",
      "pets",
      "--top-k",
      "1",
    ]);
    expect(text).toMatch(/^FILE\s+LABEL\s+TOP$/m);
    expect(text).toMatch(new RegExp(`^${files.a}\\s+(${LABELS.join("|")})\\s+\\S+ \\d\\.\\d{3}$`, "m"));
    expect(text).toMatch(new RegExp(`^${files.text}\\s+error \\[image_not_an_image\\]`, "m"));
    const emb = await onTty(["embed", files.a, "--store", fx.dir, "--model", "pets"]);
    expect(emb).toMatch(new RegExp(`^${files.a}\\s+64\\s+1\\.0000\\s+\\[`, "m"));
    const json = await onTty(["embed", files.a, "--store", fx.dir, "--model", "pets", "--json"]);
    expect(JSON.parse(json.slice(json.indexOf("{"), json.lastIndexOf("}") + 1))).toMatchObject({
      file: files.a,
      dim: 64,
    });
    const models = await onTty(["models", "show", "pets", "--store", fx.dir]);
    expect(models).toMatch(/^name\s+pets$/m);
  });

  it("models lists (text and --json) and shows a model", async () => {
    const text = await residual(["models", "--store", fx.dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^pets\\s+${fx.version}$`, "m"));
    const json = await residual(["models", "list", "--store", fx.dir, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual([{ name: "pets", latest: fx.version }]);
    const show = await residual(["models", "show", "pets", "--store", fx.dir, "--json"]);
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
