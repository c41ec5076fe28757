import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "@tensorflow/tfjs-backend-wasm";
import {
  classNames,
  createResNet,
  DownloadError,
  type DownloadProgress,
  exportTorchWeights,
  fetchWeights,
  getPretrained,
  listPretrained,
  loadResNet,
  pretrainedUrl,
  WeightsError,
} from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "fetch-weights-"));
let server: Server;
let base: string;
let served: Uint8Array;
let expectedLogits: Float32Array;
const probe = () => tf.randomNormal([1, 64, 64, 3], 0, 1, "float32", 7) as tf.Tensor4D;

/** Serves resnet18.tv_in1k in 1 MiB writes; /short/… promises more bytes than it sends. */
function handler(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse): void {
  const short = req.url?.startsWith("/short/");
  const path = "/resnet18.tv_in1k/resolve/main/model.safetensors";
  if (req.url !== path && req.url !== `/short${path}`) {
    res.writeHead(404).end("not found");
    return;
  }
  res.writeHead(200, { "content-length": String(served.length + (short ? 10 : 0)) });
  const step = 1 << 20;
  for (let at = 0; at < served.length; at += step) res.write(served.subarray(at, at + step));
  if (short) res.destroy();
  else res.end();
}

beforeAll(async () => {
  await tf.setBackend("wasm");
  const source = createResNet("resnet18", { seed: 11 });
  served = await exportTorchWeights(source);
  const x = probe();
  const y = source.predict(x);
  expectedLogits = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  source.dispose();
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("registry", () => {
  it("carries each recipe's preprocessing, classes and URL", () => {
    expect(getPretrained("resnet50.tv_in1k").preprocess).toMatchObject({ resize: 256, crop: 224 });
    expect(getPretrained("resnet50.tv2_in1k").preprocess).toMatchObject({ resize: 232, crop: 224 });
    expect(getPretrained("resnet50.a1_in1k").preprocess).toMatchObject({
      cropPct: 0.95,
      interpolation: "bicubic",
    });
    expect(listPretrained("resnet50").map((p) => p.tag)).toEqual(["tv_in1k", "tv2_in1k", "a1_in1k"]);
    expect(getPretrained("wide_resnet50_2").archTag).toBe("wide_resnet50_2.tv_in1k");
    expect(pretrainedUrl("resnext50_32x4d.tv_in1k", "https://example.org/timm/")).toBe(
      "https://example.org/timm/resnext50_32x4d.tv_in1k/resolve/main/model.safetensors",
    );
    const names = classNames("imagenet-1k");
    expect(names).toHaveLength(1000);
    expect([names[0], names[999]]).toEqual(["tench", "toilet tissue"]);
    expect(() => getPretrained("resnet9.foo")).toThrow(
      /unknown pretrained weights 'resnet9.foo'.*resnet18.tv_in1k/,
    );
  });
});

describe("fetchWeights", () => {
  it("downloads with progress and saves a directory loadResNet reads, with labels and preprocessing", async () => {
    const out = join(dir, "resnet18.tv_in1k");
    const seen: DownloadProgress[] = [];
    const result = await fetchWeights("resnet18.tv_in1k", out, {
      baseUrl: base,
      onProgress: (p) => seen.push(p),
    });
    expect(result.bytes).toBe(served.length);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toMatchObject({ received: served.length, total: served.length });
    expect(seen.every((p, i) => i === 0 || p.received > (seen[i - 1]?.received ?? 0))).toBe(true);
    const model = await loadResNet(out);
    const x = probe();
    const y = model.predict(x);
    const got = await y.data();
    tf.dispose([x, y]);
    model.dispose();
    expect(Math.max(...got.map((v, i) => Math.abs(v - (expectedLogits[i] ?? Number.NaN))))).toBeLessThan(
      1e-5,
    );
    const info = JSON.parse(readFileSync(join(out, "pretrained.json"), "utf8"));
    expect(info).toMatchObject({
      archTag: "resnet18.tv_in1k",
      preprocess: { resize: 256 },
      headReset: false,
    });
    expect(JSON.parse(readFileSync(join(out, "labels.json"), "utf8"))[1]).toBe("goldfish");
  });

  it("reads the base URL from RESIDUAL_WEIGHTS_BASE_URL and can reset the head", async () => {
    process.env.RESIDUAL_WEIGHTS_BASE_URL = base;
    try {
      const out = join(dir, "five");
      await fetchWeights("resnet18.tv_in1k", out, { numClasses: 5, resetHead: true });
      const model = await loadResNet(out);
      expect(model.config.numClasses).toBe(5);
      model.dispose();
      await expect(fetchWeights("resnet18.tv_in1k", join(dir, "bad"), { numClasses: 5 })).rejects.toThrow(
        /1000-class head/,
      );
    } finally {
      delete process.env.RESIDUAL_WEIGHTS_BASE_URL;
    }
  });

  it("reports HTTP errors, short bodies and unknown tags with their codes", async () => {
    const fail = (tag: string, baseUrl: string) =>
      fetchWeights(tag, join(dir, "never"), { baseUrl }).catch((e: unknown) => e);
    const missing = await fail("resnet18.tv_in1k", `${base}/nothing-here`);
    expect(missing).toBeInstanceOf(DownloadError);
    expect((missing as Error).message).toMatch(/answered 404/);
    const short = await fail("resnet18.tv_in1k", `${base}/short`);
    expect(short).toBeInstanceOf(DownloadError);
    expect((short as DownloadError).code).toBe("weights_download_failed");
    const refused = await fail("resnet18.tv_in1k", "http://127.0.0.1:1");
    expect((refused as Error).message).toMatch(/GET http:\/\/127.0.0.1:1\/.* failed/);
    expect(await fail("resnet18.nope", base)).toBeInstanceOf(WeightsError);
  });
});
