/**
 * The engine's threads: this thread runs as thread 0 and `threads − 1` workers (engine-worker.mjs) share the
 * memory. A program runs when this thread bumps the start generation; every thread then works through the same
 * op list, meeting at a barrier after each op, and `run` returns on this thread when the last op is done.
 */

import { Worker } from "node:worker_threads";
import { ResNetError } from "../errors.js";
import { engineImports } from "./engine-imports.mjs";
import type { EngineModule } from "./engine-module.js";
import { type WasmInstance, type WasmMemory, wasm } from "./wasm-api.js";

/** Control block offsets (assembly/trainer/control.ts). */
const START = 0;
const QUIT = 4;
const THREADS = 8;
const PROGRAM = 12;
const COUNT = 16;
const ABORT = 20;
const BAR_GEN = 128;
/** Control block bytes: the words above, then per thread (64 bytes each) the op it is in and the last it left. */
export const CONTROL_BYTES = 256 + 64 * 64;

interface Exports {
  heapBase(): number;
  run(ctl: number, tid: number): number;
  resetCounters(program: number, count: number): void;
}

export class EngineThreads {
  private readonly workers: Worker[] = [];
  private readonly exports: Exports;
  private failure: string | undefined;
  private closed = false;

  private constructor(
    readonly memory: WasmMemory,
    private readonly ctl: number,
    readonly threads: number,
    instance: WasmInstance,
  ) {
    this.exports = instance.exports as unknown as Exports;
  }

  /** Instantiates the module here and starts `threads − 1` workers on the same memory. */
  static async start(engine: EngineModule, memory: WasmMemory, ctl: number, threads: number) {
    const instance = new wasm.Instance(engine.module, engineImports(memory));
    const t = new EngineThreads(memory, ctl, threads, instance);
    if (t.exports.heapBase() > ctl)
      throw new ResNetError("trainer_failed", "wasm trainer: the module's static data overlaps the layout");
    const i32 = t.i32();
    Atomics.store(i32, THREADS >> 2, threads);
    const ready: Promise<void>[] = [];
    for (let tid = 1; tid < threads; tid++) {
      const w = new Worker(new URL("./engine-worker.mjs", import.meta.url), {
        workerData: { module: engine.module, memory, ctl, tid, generation: Atomics.load(i32, START >> 2) },
        execArgv: [],
      });
      w.unref();
      ready.push(
        new Promise((resolve, reject) => {
          w.on("message", (m: { ready?: boolean; error?: string }) => {
            if (m.ready) resolve();
            if (m.error) {
              t.failure = m.error;
              reject(new Error(m.error));
            }
          });
          w.on("error", (e) => {
            t.failure = e.message;
            reject(e);
          });
        }),
      );
      t.workers.push(w);
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await t.close();
      throw e;
    }
    return t;
  }

  private i32(): Int32Array {
    return new Int32Array(this.memory.buffer, this.ctl, CONTROL_BYTES / 4);
  }

  /** Runs the `count` op records at `program` on every thread; returns when all are done. */
  run(program: number, count: number): void {
    if (this.closed) throw new ResNetError("trainer_failed", "wasm trainer: threads are closed");
    if (this.failure)
      throw new ResNetError("trainer_failed", `wasm trainer: a worker failed: ${this.failure}`);
    const i32 = this.i32();
    this.exports.resetCounters(program, count);
    Atomics.store(i32, PROGRAM >> 2, program);
    Atomics.store(i32, COUNT >> 2, count);
    Atomics.add(i32, START >> 2, 1);
    Atomics.notify(i32, START >> 2);
    let ok: number;
    try {
      ok = this.exports.run(this.ctl, 0);
    } catch (e) {
      Atomics.store(i32, ABORT >> 2, 1);
      Atomics.add(i32, BAR_GEN >> 2, 1);
      Atomics.notify(i32, BAR_GEN >> 2);
      throw e;
    }
    if (!ok || Atomics.load(i32, ABORT >> 2) !== 0) {
      throw new ResNetError(
        "trainer_failed",
        `wasm trainer: a worker failed${this.failure ? `: ${this.failure}` : ""}`,
      );
    }
  }

  /** Stops the workers (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const i32 = this.i32();
    Atomics.store(i32, QUIT >> 2, 1);
    Atomics.add(i32, START >> 2, 1);
    Atomics.notify(i32, START >> 2);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
