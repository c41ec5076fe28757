import { spawnSync } from "node:child_process";
import {
  BackendError,
  initBackend,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  wasmTrainingKernelsRegistered,
} from "@residual/resnet";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";

/** An importer where the named packages are missing, as on a machine without them. */
function without(...missing: string[]) {
  return async (specifier: string) => {
    if (missing.some((m) => specifier === m)) throw new Error(`Cannot find package '${specifier}'`);
    return import(specifier);
  };
}
const NO_TFJS_NODE = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];

describe("initBackend", () => {
  it("chooses wasm here by default, registers the training kernels and gradients, logs one line", async () => {
    const lines: string[] = [];
    const choice = await initBackend({ env: {}, logger: (l) => lines.push(l) });
    expect(choice.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(choice.threads).toBeGreaterThanOrEqual(1);
    expect(choice.reason).toMatch(/tfjs-node/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[residual\] tfjs backend: wasm .* threads=\d+$/);
    expect(wasmTrainingKernelsRegistered()).toEqual([
      "Conv2DBackpropFilter",
      "Conv2DBackpropInput",
      "MaxPoolGrad",
      "Sum",
      "Mean",
    ]);
    expect(tf.getGradient(tf.Conv2D)).toBeDefined();

    const again = await initBackend({ env: {}, logger: (l) => lines.push(l) });
    expect(again).toEqual(choice);
    expect(lines).toHaveLength(1);
  });

  it("honours RESIDUAL_BACKEND=cpu and switches back to wasm when asked", async () => {
    const lines: string[] = [];
    const cpu = await initBackend({ env: { RESIDUAL_BACKEND: "cpu" }, logger: (l) => lines.push(l) });
    expect(cpu).toMatchObject({ backend: "cpu", threads: 1 });
    expect(tf.getBackend()).toBe("cpu");
    expect(cpu.reason).toMatch(/RESIDUAL_BACKEND=cpu/);
    // Without the override and without allowCpu, a cpu choice is not silently kept.
    const wasm = await initBackend({ env: {}, logger: (l) => lines.push(l) });
    expect(wasm.backend).toBe("wasm");
    const forced = await initBackend({ env: { RESIDUAL_BACKEND: "wasm" }, logger: (l) => lines.push(l) });
    expect(forced.backend).toBe("wasm");
    // The override agrees with the current choice: nothing to switch, nothing to log.
    expect(lines).toHaveLength(2);
  });

  it("fails with the reason when the requested backend cannot load", async () => {
    const error = await initBackend({ env: { RESIDUAL_BACKEND: "tensorflow" }, logger: () => {} }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(BackendError);
    expect(error.code).toBe("backend_unavailable");
    expect(error.message).toMatch(/RESIDUAL_BACKEND=tensorflow but it cannot load: .*tfjs-node/);
  });

  it("rejects an unknown RESIDUAL_BACKEND value", async () => {
    const error = await initBackend({ env: { RESIDUAL_BACKEND: "webgl" }, logger: () => {} }).catch((e) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error.code).toBe("invalid_backend_override");
    expect(error.message).toContain('"webgl"');
  });

  it("refuses the cpu backend when it is the only one, unless allowCpu", async () => {
    const importModule = without(...NO_TFJS_NODE, "@tensorflow/tfjs-backend-wasm");
    const error = await initBackend({ env: {}, importModule, fresh: true, logger: () => {} }).catch((e) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error.code).toBe("cpu_not_allowed");
    expect(error.message).toMatch(/wasm unavailable: Cannot find package '@tensorflow\/tfjs-backend-wasm'/);

    const lines: string[] = [];
    const cpu = await initBackend({
      env: {},
      importModule,
      allowCpu: true,
      fresh: true,
      logger: (l) => lines.push(l),
    });
    expect(cpu.backend).toBe("cpu");
    expect(cpu.reason).toMatch(/allowCpu/);
    expect(lines[0]).toMatch(/tfjs backend: cpu/);
  });

  it("unregistering restores a working stock wasm kernel, registering again is idempotent", async () => {
    await initBackend({ env: { RESIDUAL_BACKEND: "wasm" }, logger: () => {} });
    const dy = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 1, 2]) as tf.Tensor4D;
    const ours = tf.conv2dTranspose(dy, w, [1, 4, 4, 1], 1, "same");
    unregisterWasmTrainingKernels();
    expect(wasmTrainingKernelsRegistered()).toEqual([]);
    expect(tf.getKernel(tf.Conv2DBackpropFilter, "wasm")).toBeUndefined();
    const stock = tf.conv2dTranspose(dy, w, [1, 4, 4, 1], 1, "same");
    expect(Array.from(await stock.data())).toEqual(Array.from(await ours.data()));
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(wasmTrainingKernelsRegistered()).toEqual([
      "Conv2DBackpropFilter",
      "Conv2DBackpropInput",
      "MaxPoolGrad",
      "Sum",
      "Mean",
    ]);
    tf.dispose([dy, w, ours, stock]);
  });

  it("does not import a tfjs-node package without its native addon (no kernel re-registration noise)", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "-e", "await (await import('@residual/resnet')).initBackend({ env: {} });"],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^\[residual\] tfjs backend: \w+ /m);
    expect(run.stderr).not.toMatch(/is already registered/);
  });
});
