import { type RunningServer, ServingCore, startServer } from "@residual/pipeline";
import { initBackend } from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jpeg, type ServingFixture, servingFixture } from "./support/fixtures.js";

/** Valid and invalid requests in a fixed rotation, each with the status it must get. */
function requestMix(img: Buffer): Array<{ path: string; init: RequestInit; status: number }> {
  const json = (body: unknown) => ({
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  return [
    {
      path: "/v1/embeddings?model=pets",
      init: { method: "POST", body: new Uint8Array(img), headers: { "content-type": "image/jpeg" } },
      status: 200,
    },
    {
      path: "/v1/classify",
      init: json({ model: "pets", images: [{ base64: img.toString("base64") }] }),
      status: 200,
    },
    { path: "/v1/embeddings", init: json({ model: "pets", images: [{ base64: "%%%" }] }), status: 400 },
    {
      path: "/v1/embeddings",
      init: { method: "POST", body: "{", headers: { "content-type": "application/json" } },
      status: 400,
    },
    {
      path: "/v1/classify",
      init: json({ model: "ghost", images: [{ base64: img.toString("base64") }] }),
      status: 404,
    },
    {
      path: "/v1/embeddings",
      init: { method: "POST", body: "x", headers: { "content-type": "text/csv" } },
      status: 415,
    },
    {
      path: "/v1/embeddings?model=pets",
      init: { method: "POST", body: new Uint8Array(64), headers: { "content-type": "image/png" } },
      status: 400,
    },
    { path: "/v1/models", init: {}, status: 200 },
  ];
}

async function soak(url: string, img: Buffer, total: number, concurrency: number): Promise<string[]> {
  const mix = requestMix(img);
  const unexpected: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const r = mix[next++ % mix.length]!;
      const res = await fetch(`${url}${r.path}`, r.init);
      await res.arrayBuffer();
      if (res.status !== r.status) unexpected.push(`${r.path} → ${res.status}, expected ${r.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return unexpected;
}

describe.each(["onnx", "tfjs"] as const)(
  "soak: 1,000 mixed requests at concurrency 16 (%s engine)",
  (engine) => {
    let fx: ServingFixture;
    let server: RunningServer;
    let core: ServingCore;
    let img: Buffer;

    beforeAll(async () => {
      await initBackend({ logger: () => undefined });
      fx = await servingFixture();
      img = await jpeg(48, 40);
      if (engine === "tfjs") {
        // The tfjs engine needs model.json: publish the backbone's saved model as a second version of "pets".
        const files = Object.fromEntries(
          await Promise.all(
            ["model.json", "weights.bin", "preprocess.json"].map(
              async (f) => [f, await fx.store.get(`backbones/tiny.test/${f}`)] as const,
            ),
          ),
        );
        const { publishModel } = await import("../../../packages/pipeline/src/registry/publish-model.js");
        await publishModel(fx.store, { name: "pets", files });
      }
      core = new ServingCore({ store: fx.store, engine });
      server = await startServer({ core, port: 0 });
    });
    afterAll(async () => {
      await server?.close();
      await core?.close();
    });

    it("answers every request with its expected status; RSS and tensors stay flat", async () => {
      expect(await soak(server.url, img, 80, 16)).toEqual([]); // warm-up: model load, arenas
      const rss0 = process.memoryUsage().rss;
      const tensors0 = tf.memory().numTensors;
      expect(await soak(server.url, img, 1000, 16)).toEqual([]);
      const growthMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
      // Bound: 64 MiB of growth over 1,000 requests (a 1 MB-per-16-requests leak would blow it).
      expect(growthMb).toBeLessThan(64);
      expect(tf.memory().numTensors).toBe(tensors0);
    });
  },
);
