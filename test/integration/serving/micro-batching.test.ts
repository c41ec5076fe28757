import { createOnnxEngine } from "@residual/pipeline";
import { type EngineOutput, MicroBatcher } from "@residual/pipeline/testing";
import { createResNet, exportOnnx, initBackend } from "@residual/resnet";
import { beforeAll, describe, expect, it } from "vitest";

/** A runner whose output rows are the sum of each image's pixels (features) and its size (logits). */
function summingRunner(calls: number[][], fail?: (n: number) => boolean) {
  return async (batch: Float32Array, n: number, size: number): Promise<EngineOutput> => {
    calls.push([n, size]);
    await new Promise((ok) => setTimeout(ok, 20));
    if (fail?.(n)) throw new Error(`run of ${n} failed`);
    const per = batch.length / n;
    const features = new Float32Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < per; j++) features[i]! += batch[i * per + j]!;
    return { features, logits: new Float32Array(n).fill(size), featureDim: 1, numClasses: 1 };
  };
}

const image = (value: number, n = 1, size = 2) => new Float32Array(n * size * size).fill(value);

describe("MicroBatcher", () => {
  it("runs a lone request at once and groups the ones that arrive during a run, splitting results back", async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher(summingRunner(calls), { maxBatch: 8, maxWaitMs: 5 });
    const first = b.run(image(1), 1, 2);
    await new Promise((ok) => setTimeout(ok, 1));
    const rest = [b.run(image(2), 1, 2), b.run(image(3, 2), 2, 2), b.run(image(4), 1, 2)];
    const outs = await Promise.all([first, ...rest]);
    expect(calls).toEqual([
      [1, 2],
      [4, 2],
    ]);
    expect(outs.map((o) => Array.from(o.features))).toEqual([[4], [8], [12, 12], [16]]);
    expect(b.stats).toEqual({ runs: 2, images: 5 });
  });

  it("never mixes input sizes and respects maxBatch (a bigger request still runs alone)", async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher(summingRunner(calls), { maxBatch: 3, maxWaitMs: 0 });
    const busy = b.run(image(0), 1, 2);
    const queued = [
      b.run(image(1), 1, 2),
      b.run(image(1, 1, 3), 1, 3),
      b.run(image(1, 2), 2, 2),
      b.run(image(1, 5), 5, 2),
      b.run(image(1), 1, 2),
    ];
    const outs = await Promise.all([busy, ...queued]);
    expect(calls).toEqual([
      [1, 2],
      [3, 2],
      [1, 3],
      [5, 2],
      [1, 2],
    ]);
    expect(Array.from(outs[2]!.logits)).toEqual([3]);
    expect(Array.from(outs[4]!.features)).toEqual([4, 4, 4, 4, 4]);
  });

  it("rejects every request of a failed run and keeps serving the ones behind it", async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher(
      summingRunner(calls, (n) => n === 2),
      { maxBatch: 2, maxWaitMs: 0 },
    );
    const busy = b.run(image(1), 1, 2);
    const failing = [b.run(image(1), 1, 2), b.run(image(1), 1, 2)];
    const after = b.run(image(5), 1, 2);
    await expect(busy).resolves.toBeDefined();
    for (const f of failing) await expect(f).rejects.toThrow("run of 2 failed");
    expect(Array.from((await after).features)).toEqual([20]);
  });
});

describe("ONNX engine with micro-batching", () => {
  beforeAll(async () => {
    await initBackend({ logger: () => undefined });
  });

  it("concurrent requests share runs and get exactly their own rows", async () => {
    const model = createResNet("cifar_resnet20", { seed: 2, numClasses: 3 });
    const engine = await createOnnxEngine(exportOnnx(model), { batching: { maxBatch: 4, maxWaitMs: 5 } });
    model.dispose();
    const inputs = Array.from({ length: 6 }, (_, k) =>
      new Float32Array(32 * 32 * 3).map((_, i) => Math.sin(i * 0.01 + k)),
    );
    const alone: EngineOutput[] = [];
    for (const x of inputs) alone.push(await engine.run(x, 1, 32));
    const runsAlone = engine.stats!.runs;
    const together = await Promise.all(inputs.map((x) => engine.run(x, 1, 32)));
    expect(engine.stats!.runs - runsAlone).toBeLessThan(inputs.length);
    together.forEach((out, k) => {
      expect(out.features.length).toBe(64);
      expect(out.logits.length).toBe(3);
      const ref = alone[k]!;
      const diff = Math.max(...Array.from(out.features, (v, i) => Math.abs(v - ref.features[i]!)));
      expect(diff).toBeLessThan(1e-4);
    });
    await expect(engine.run(new Float32Array(5), 1, 32)).rejects.toMatchObject({ code: "invalid_batch" });
    await engine.dispose();
    await expect(engine.run(inputs[0]!, 1, 32)).rejects.toMatchObject({
      code: "engine_released",
      status: 503,
    });
  });
});
