import { createOnnxEngine, loadConfig } from "@residual/pipeline";
import {
  OrtInline,
  type OrtThread,
  OrtWorker,
  onnxSessionOptions,
  openOnnxEngine,
  openOrtSession,
} from "@residual/pipeline/testing";
import { createResNet, exportOnnx, initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "./support/memory-store.js";

const PREFIX = "models/tiny/v1/";
let model: Uint8Array;
const x = new Float32Array(2 * 32 * 32 * 3).map((_, i) => Math.sin(i * 0.01));

describe("where the ORT session runs", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
    const m = createResNet("cifar_resnet20", { seed: 3, numClasses: 4 });
    model = exportOnnx(m);
    m.dispose();
  });

  it("defaults to a worker, to the main thread inside Lambda, and honours RESIDUAL_ORT_THREAD", () => {
    const ortThreadFromEnv = (env: Record<string, string>): OrtThread =>
      loadConfig("api", env).serving.ortThread;
    expect(ortThreadFromEnv({})).toBe("worker");
    expect(ortThreadFromEnv({ AWS_LAMBDA_FUNCTION_NAME: "embed" })).toBe("main");
    expect(ortThreadFromEnv({ AWS_LAMBDA_FUNCTION_NAME: "embed", RESIDUAL_ORT_THREAD: "worker" })).toBe(
      "worker",
    );
    expect(ortThreadFromEnv({ RESIDUAL_ORT_THREAD: " main " })).toBe("main");
    expect(() => ortThreadFromEnv({ RESIDUAL_ORT_THREAD: "gpu" })).toThrow(
      /RESIDUAL_ORT_THREAD must be one of worker, main/,
    );
  });

  it("gives the same outputs on the main thread as on a worker, from the ORT-format cache too", async () => {
    const store = new MemoryStore();
    await store.put(`${PREFIX}model.onnx`, model);
    const info = (await store.head(`${PREFIX}model.onnx`))!;
    const first = await openOrtSession({ store, prefix: PREFIX }, info, onnxSessionOptions(1), "main");
    expect(first.runner).toBeInstanceOf(OrtInline);
    expect(first.runner.channels).toBe(3);
    await first.saved;
    await first.runner.release();
    const cached = await openOrtSession({ store, prefix: PREFIX }, info, onnxSessionOptions(1), "main");
    expect(cached.source).toBe("cache");
    await cached.runner.release();
    const inline = await openOnnxEngine({ store, prefix: PREFIX }, info, "main");
    const worker = await openOnnxEngine({ store, prefix: PREFIX }, info, "worker");
    try {
      const a = await inline.run(x, 2, 32);
      const b = await worker.run(x, 2, 32);
      expect(a.featureDim).toBe(64);
      expect(a.numClasses).toBe(4);
      expect(a.features.length).toBe(2 * 64);
      expect(Array.from(a.features)).toEqual(Array.from(b.features));
      expect(Array.from(a.logits)).toEqual(Array.from(b.logits));
    } finally {
      await inline.dispose();
      await worker.dispose();
    }
  });

  it("keeps the caller's bytes intact and reports errors like the worker does", async () => {
    const copy = Buffer.from(model);
    const engine = await createOnnxEngine(copy, { session: onnxSessionOptions(1), thread: "main" });
    expect(copy.equals(Buffer.from(model))).toBe(true);
    await expect(engine.run(new Float32Array(10), 1, 32)).rejects.toMatchObject({ status: 400 });
    await engine.dispose();
    await expect(engine.run(x.subarray(0, 32 * 32 * 3), 1, 32)).rejects.toMatchObject({
      code: "engine_released",
    });
    for (const thread of ["main", "worker"] as const) {
      await expect(
        createOnnxEngine(Buffer.from("garbage"), { session: onnxSessionOptions(1), thread }),
      ).rejects.toMatchObject({ code: "invalid_model_file", status: 500 });
    }
    const store = new MemoryStore();
    await store.put(`${PREFIX}model.onnx`, model);
    const info = (await store.head(`${PREFIX}model.onnx`))!;
    const w = await openOrtSession({ store, prefix: PREFIX }, info, onnxSessionOptions(1), "worker");
    expect(w.runner).toBeInstanceOf(OrtWorker);
    await w.saved;
    await w.runner.release();
  });
});
