/**
 * One ONNX Runtime session on its own worker thread. onnxruntime-node runs a session synchronously on the calling
 * thread (its `run()` only defers the call with setImmediate), so on the main thread every run would stall HTTP
 * parsing, image-decode callbacks and response writing for its whole duration; requests could then only join a
 * micro-batch between runs. On a worker, the main thread keeps accepting and preparing the next batch while the
 * current one runs. The model bytes and the outputs move between threads as transferred buffers. The worker is
 * a module entry (`ort-worker-main.ts`) running the same session code as the calling thread.
 */
import type { Worker } from "node:worker_threads";
import type { InferenceSession } from "onnxruntime-node";
import { InvalidInputError, StoredModelError, TransientError } from "../../errors.js";
import { startModuleWorker } from "../../workers/module-worker.js";
import type { EngineOutput } from "../inference-engine.js";
import type { OrtRunner } from "./ort-runner.js";

const ENTRY = { source: new URL("./ort-worker-main.ts", import.meta.url), name: "ort-session" };

interface Reply {
  id: number;
  error?: string;
  stage?: string;
  channels?: number;
  outputs?: string[];
  features?: Float32Array;
  logits?: Float32Array;
  featureDim?: number;
  numClasses?: number;
}

/** An ArrayBuffer holding exactly `view`'s bytes: its own when the view spans it, else a copy (a pool slice). */
function ownBuffer(view: Uint8Array): ArrayBuffer {
  const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
  return whole && view.buffer instanceof ArrayBuffer ? view.buffer : copyBuffer(view);
}

/** A fresh ArrayBuffer with `view`'s bytes. Not `view.slice()`: on a Buffer that is a view of the same memory. */
function copyBuffer(view: Uint8Array): ArrayBuffer {
  return Uint8Array.prototype.slice.call(view).buffer as ArrayBuffer;
}

/**
 * A session on a worker thread.
 * @example
 * const w = await OrtWorker.open(modelBytes, onnxSessionOptions());
 * const out = await w.run(batch, 1, 224); await w.release();
 */
export class OrtWorker implements OrtRunner {
  private readonly pending = new Map<number, { ok(r: Reply): void; fail(e: Error): void }>();
  private nextId = 0;
  private broken: Error | undefined;
  /** Channels of the `input` NHWC tensor, and the session's output names. */
  channels = 3;
  outputs: string[] = [];

  private constructor(private readonly worker: Worker) {
    worker.on("message", (r: Reply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) worker.unref();
      p?.ok(r);
    });
    const die = (err: Error) => {
      // A release() that ended the worker on purpose keeps its own reason.
      this.broken ??= new TransientError("engine_crashed", `inference worker stopped: ${err.message}`, {
        cause: err,
      });
      for (const p of this.pending.values()) p.fail(this.broken);
      this.pending.clear();
    };
    worker.on("error", die);
    worker.on("exit", (code) => die(new Error(`exit code ${code}`)));
    // Referenced only while a call is pending: an idle engine must not keep a CLI command (embed) alive.
    worker.unref();
  }

  /**
   * Start a worker and create the session from `bytes`. With `transfer`, the bytes' memory moves to the worker
   * (no copy; the caller's view is left empty), for buffers nobody else holds, like a fresh `store.get` result.
   */
  static async open(
    bytes: Uint8Array,
    options: InferenceSession.SessionOptions,
    transfer = false,
  ): Promise<OrtWorker> {
    const w = new OrtWorker(startModuleWorker(ENTRY, {}));
    const buffer = transfer ? ownBuffer(bytes) : copyBuffer(bytes);
    const r = await w.call({ type: "open", buffer, options }, [buffer]);
    if (r.error) {
      await w.worker.terminate();
      throw new StoredModelError("invalid_model_file", `cannot load ONNX model: ${r.error}`);
    }
    w.channels = r.channels ?? 3;
    w.outputs = r.outputs ?? [];
    return w;
  }

  private call(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((ok, fail) => {
      this.pending.set(id, { ok, fail });
      this.worker.ref();
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /**
   * Run one NHWC batch. The input is copied to the worker (callers may reuse their array; a 224² image is 0.6 MB,
   * ~0.1 ms); the outputs come back transferred.
   */
  async run(batch: Float32Array, n: number, size: number): Promise<EngineOutput> {
    const r = await this.call({ type: "run", buffer: batch, dims: [n, size, size, this.channels] });
    if (r.error) throw new InvalidInputError("invalid_model_file", `ONNX run failed: ${r.error}`);
    return {
      features: r.features!,
      logits: r.logits!,
      featureDim: r.featureDim ?? 0,
      numClasses: r.numClasses ?? 0,
    };
  }

  async release(): Promise<void> {
    if (!this.broken) await this.call({ type: "release" });
    this.broken ??= new TransientError("engine_released", "the model was unloaded");
    await this.worker.terminate();
  }
}
