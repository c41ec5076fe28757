/**
 * The model commands of the `residual` CLI, each run as a real process: summary, weights import/fetch, infer.
 * Reference numbers come from torchvision (test/python/torch_reference.py, /usr/bin/python3).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NpyArray, readNpy } from "@residual/resnet";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runResidual } from "../support/cli.js";

const ROOT = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "cli-model-"));
let server: Server;

/** The CLI as a real process (async: a sync spawn would block the HTTP server this test runs). */
const residual = (args: string[], env: NodeJS.ProcessEnv = {}) => runResidual(args, env, ROOT);

function maxRelDiff(ours: NpyArray, ref: NpyArray): number {
  expect(ours.shape).toEqual(ref.shape);
  let diff = 0;
  let scale = 1;
  ref.data.forEach((v, i) => {
    diff = Math.max(diff, Math.abs(v - (ours.data[i] ?? Number.NaN)));
    scale = Math.max(scale, Math.abs(v));
  });
  return diff / scale;
}

beforeAll(async () => {
  execFileSync("/usr/bin/python3", [
    join(ROOT, "test/python/torch_reference.py"),
    "reference",
    ...["--out", dir, "--archs", "resnet18", "--size", "64", "--batch", "2"],
  ]);
  const weights = readFileSync(join(dir, "resnet18.safetensors"));
  server = createServer((req, res) => {
    if (req.url !== "/resnet18.tv_in1k/resolve/main/model.safetensors") return void res.writeHead(404).end();
    res.writeHead(200, { "content-length": String(weights.length) });
    res.end(weights);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("residual summary", () => {
  it("prints resnet50's parameters, layers and FLOPs as JSON", async () => {
    const r = await residual(["summary", "resnet50", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      arch: "resnet50",
      params: 25_557_032,
      trainableParams: 25_557_032,
      layers: 50,
    });
    expect(s.flops).toBe(s.flopsPerStage.reduce((a: number, f: { flops: number }) => a + f.flops, 0));
    expect(s.flops / 1e9).toBeCloseTo(8.18, 1); // 2 × torchvision's 4.09 GMACs
  });

  it("honours --num-classes/--in-channels and prints a table without --json", async () => {
    // Independent processes: run them side by side.
    const [json, table, bad] = await Promise.all([
      residual(["summary", "resnet18", "--num-classes", "10", "--in-channels", "1", "--json"]),
      residual(["summary", "resnet18"]),
      residual(["summary", "resnet19"]),
    ]);
    // 11,689,512 − 3·64·49 (stem) + 1·64·49 − 512·990 − 990 (head)
    expect(JSON.parse(json.stdout).params).toBe(11_689_512 - 2 * 64 * 49 - 513 * 990);
    expect(table.stdout).toMatch(/params\s+11,689,512/);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown architecture 'resnet19'/);
  });
});

describe("residual weights + infer", () => {
  it("imports torchvision weights and reproduces torch's logits and features (NCHW and NHWC input)", async () => {
    const model = join(dir, "model");
    const imp = await residual([
      "weights",
      "import",
      join(dir, "resnet18.safetensors"),
      "--arch",
      "resnet18",
      "--out",
      model,
    ]);
    expect(imp.code, imp.stderr).toBe(0);
    const logits = join(dir, "logits.npy");
    const inf = await residual([
      "infer",
      "--model",
      model,
      "--input",
      join(dir, "input.npy"),
      "--layout",
      "nchw",
      "--output",
      logits,
    ]);
    expect(inf.code, inf.stderr).toBe(0);
    expect(maxRelDiff(await readNpy(logits), await readNpy(join(dir, "resnet18.logits.npy")))).toBeLessThan(
      1e-4,
    );
    // Same images as NHWC (the default layout), features this time.
    const x = await readNpy(join(dir, "input.npy"));
    const nhwc = join(dir, "input-nhwc.npy");
    writeFileSync(nhwc, toNhwcNpy(x));
    const features = join(dir, "features.npy");
    const f = await residual([
      "infer",
      "--model",
      model,
      "--input",
      nhwc,
      "--features",
      "--output",
      features,
    ]);
    expect(f.code, f.stderr).toBe(0);
    expect(
      maxRelDiff(await readNpy(features), await readNpy(join(dir, "resnet18.features.npy"))),
    ).toBeLessThan(1e-4);
  });

  it("fetches registry weights from a mirror, with progress on stderr", async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const out = join(dir, "fetched");
    const r = await residual(["weights", "fetch", "resnet18.tv_in1k", "--out", out, "--json"], {
      RESIDUAL_WEIGHTS_BASE_URL: base,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/downloading .*resnet18\.tv_in1k.*\(100%\)/);
    expect(JSON.parse(r.stdout)).toMatchObject({ saved: out, archTag: "resnet18.tv_in1k" });
    expect(existsSync(join(out, "model.json")) && existsSync(join(out, "labels.json"))).toBe(true);
  });

  it("puts fetched weights in the bucket as the backbone the embedding API uses by default", async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const store = join(dir, "bucket");
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#36c" } })
      .png()
      .toBuffer();
    writeFileSync(join(dir, "img.png"), png);
    const missing = await residual(["embed", join(dir, "img.png"), "--store", store]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`residual weights fetch resnet50.tv2_in1k --store`);
    const r = await residual(["weights", "fetch", "resnet18.tv_in1k", "--store", store], {
      RESIDUAL_WEIGHTS_BASE_URL: base,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(store, "backbones/resnet18.tv_in1k/model.json"))).toBe(true);
    // Serving's cold starts load the ONNX directly (a read-only Lambda role could not cache an export).
    expect(existsSync(join(store, "backbones/resnet18.tv_in1k/model.onnx"))).toBe(true);
    const again = await residual(["weights", "fetch", "resnet18.tv_in1k", "--store", store, "--json"], {
      RESIDUAL_WEIGHTS_BASE_URL: "http://127.0.0.1:9/unreachable",
    });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ archTag: "resnet18.tv_in1k", skipped: true });
    const e = await residual(["embed", join(dir, "img.png"), "--store", store], {
      RESIDUAL_DEFAULT_BACKBONE: "resnet18.tv_in1k",
    });
    expect(e.code, e.stderr).toBe(0);
    const out = JSON.parse(e.stdout) as { file: string; model: string; dim: number; embedding: number[] };
    expect(out).toMatchObject({ file: join(dir, "img.png"), model: "resnet18.tv_in1k", dim: 512 });
    expect(out.embedding).toHaveLength(512);
  });

  it("fails with one clear line and no stack trace on bad files", async () => {
    const notNpy = join(dir, "not.npy");
    writeFileSync(notNpy, "hello");
    const bad = await residual([
      "infer",
      "--model",
      join(dir, "model"),
      "--input",
      notNpy,
      "--output",
      join(dir, "y.npy"),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim()).toMatch(/^residual: error \[npy_bad_magic\]: .*not\.npy: not a \.npy file/);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    const pth = join(dir, "model.pth");
    writeFileSync(pth, Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]));
    const imp = await residual(["weights", "import", pth, "--arch", "resnet18", "--out", join(dir, "never")]);
    expect(imp.code).not.toBe(0);
    expect(imp.stderr).toMatch(/pickled PyTorch checkpoint.*save_file/);
    expect(imp.stderr).not.toMatch(/\n\s+at /);
  });
});

/** NCHW npy → NHWC npy bytes, via numpy so the test does not reuse the code under test. */
function toNhwcNpy(x: NpyArray): Buffer {
  const src = join(dir, "nchw-copy.npy");
  const dst = join(dir, "nhwc-copy.npy");
  writeFileSync(src, readFileSync(join(dir, "input.npy")));
  execFileSync("/usr/bin/python3", [
    "-c",
    "import numpy as np, sys; np.save(sys.argv[2], np.ascontiguousarray(np.load(sys.argv[1]).transpose(0, 2, 3, 1)))",
    src,
    dst,
  ]);
  expect(x.shape).toHaveLength(4);
  return readFileSync(dst);
}
