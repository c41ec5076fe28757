import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { buildBundle } from "@residual/pipeline/testing";
import { initBackend } from "@residual/resnet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jpeg, type ServingFixture, servingFixture } from "./support/fixtures.js";
import { type ServeProcess, spawnServe } from "./support/serve-process.js";

// Inside the repository so the bundle's external packages resolve from its node_modules.
const OUT = resolve(import.meta.dirname, `../../../tmp/bundle-test-${process.pid}`);
let fx: ServingFixture;
let bundled: ServeProcess;
let viaTsx: ServeProcess;

async function embed(srv: ServeProcess, img: Buffer): Promise<{ status: number; embeddings?: number[][] }> {
  const res = await fetch(`${srv.url}/v1/embeddings?model=pets`, {
    method: "POST",
    body: new Uint8Array(img),
    headers: { "content-type": "image/jpeg" },
  });
  return { status: res.status, ...((await res.json()) as { embeddings?: number[][] }) };
}

describe("the prebuilt CLI bundle serves like the tsx bin", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    fx = await servingFixture();
    const entry = await buildBundle(OUT);
    [bundled, viaTsx] = await Promise.all([
      spawnServe(["--store", fx.dir, "--preload", "pets"], {}, entry),
      spawnServe(["--store", fx.dir]),
    ]);
  });
  afterAll(async () => {
    await Promise.all([bundled?.stop(), viaTsx?.stop()]);
    await rm(OUT, { recursive: true, force: true });
  });

  it("returns the same embeddings and the same error mapping", async () => {
    const img = await jpeg(50, 44, 7);
    const [a, b] = [await embed(bundled, img), await embed(viaTsx, img)];
    expect([a.status, b.status]).toEqual([200, 200]);
    const diff = Math.max(...a.embeddings![0]!.map((v, i) => Math.abs(v - b.embeddings![0]![i]!)));
    expect(diff).toBeLessThan(1e-6);
    expect((await embed(bundled, Buffer.from("not an image"))).status).toBe(400);
    const health = (await (await fetch(`${bundled.url}/healthz`)).json()) as { loaded: string[] };
    expect(health.loaded).toEqual([expect.stringMatching(/^models\/pets\//)]);
  });
});
