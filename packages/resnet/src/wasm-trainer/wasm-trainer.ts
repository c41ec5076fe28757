/**
 * Residual's CPU training engine: a ResNet's training step (forward, loss, backward, optimizer) compiled into
 * one program of fused wasm SIMD kernels that every core runs together on shared memory. No tfjs op runs during
 * a step. Results are the same bits whatever the thread count: every unit of work computes its outputs in a
 * fixed order, whichever thread claims it.
 *
 * The tfjs model stays the model of record: weights go in with `setWeights` and come back with `getWeights`.
 */

import { availableParallelism } from "node:os";
import { ResNetError } from "../errors.js";
import { DW_SCRATCH_BYTES, emitBackward } from "./emit-backward.js";
import { emitForward } from "./emit-forward.js";
import { type EngineModule, loadEngineModule } from "./engine-module.js";
import { CONTROL_BYTES, EngineThreads } from "./engine-threads.js";
import { MemoryLayout, pixelAddress } from "./memory-layout.js";
import { buildGraph, type GraphOptions, type NetworkGraph } from "./network-graph.js";
import type { NetworkParams, ParamSlot } from "./network-params.js";
import { Op, type ProgramSetup } from "./ops.js";
import { type WasmMemory, wasm } from "./wasm-api.js";

/**
 * How a {@link WasmTrainer} is built: its network graph, optimizer and threads.
 * @example
 * const trainer = await WasmTrainer.create({ ...options } as WasmTrainerOptions);
 */
export interface WasmTrainerOptions extends GraphOptions {
  /** Threads computing a step (this one included). @default os.availableParallelism() */
  threads?: number;
  /** Fused multiply-add build: `auto` uses it where the host has relaxed SIMD. @default "auto" */
  fma?: boolean | "auto";
  optimizer: TrainerOptimizer;
}

/**
 * The optimizer the training engine applies (SGD with momentum or AdamW, torch semantics).
 * @example
 * const optimizer: TrainerOptimizer = { kind: "sgd", momentum: 0.9 } as TrainerOptimizer;
 */
export interface TrainerOptimizer {
  kind: "sgd" | "adamw";
  /** @default 0.9 */
  momentum?: number;
  /** @default 0.9 / 0.999 / 1e-8 */
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Learning-rate scale and weight decay for a set of parameters (by torchvision name).
 * @example
 * const group: TrainerGroup = trainer.groups()[0]!;
 */
export interface TrainerGroup {
  names: readonly string[];
  lrScale: number;
  weightDecay: number;
}

/**
 * Optimizer state in GroupOptimizer's format: per parameter its step count and slots (momentum, or m and v).
 * @example
 * const state: TrainerOptimizerState = trainer.optimizerState();
 */
export interface TrainerOptimizerState {
  kind: "sgd" | "adamw";
  params: Record<string, { step: number; slots: Record<string, Float32Array> }>;
}

/**
 * One training step's loss and accuracy counts.
 * @example
 * const { loss }: StepOutput = await trainer.step(x, labels, lr);
 */
export interface StepOutput {
  loss: number;
  /** `[batch, numClasses]`, a copy. */
  logits: Float32Array;
}

interface CompiledBatch {
  graph: NetworkGraph;
  train: { addr: number; count: number; ce: number };
  eval: { addr: number; count: number };
}

const SEGMENT_WORDS = 16;
const OPTIM_CHUNK = 16384;
const PAGE = 65536;

/**
 * A ResNet training step (forward, loss, backward, optimizer) as one wasm program run by every core.
 * @example
 * const trainer = await trainerForModel(model, options);
 * const { loss } = await trainer.step(x, labels, 0.1);
 */
export class WasmTrainer {
  private readonly batches = new Map<number, CompiledBatch>();
  private readonly steps = new Map<string, number>();
  private groups = new Map<string, { lrScale: number; weightDecay: number }>();
  private readonly opt: Required<TrainerOptimizer>;
  private readonly segments: number;
  private readonly units: { addr: number; count: number };
  private readonly order: ParamSlot[];

  private constructor(
    private readonly o: WasmTrainerOptions,
    private readonly dw: ProgramSetup,
    private readonly layout: MemoryLayout,
    private readonly params: NetworkParams,
    private readonly memory: WasmMemory,
    private readonly threadsRef: { t?: EngineThreads },
    readonly engine: EngineModule,
    first: NetworkGraph,
    optim: ReturnType<typeof reserveOptimizer>,
  ) {
    this.opt = { momentum: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-8, ...o.optimizer };
    this.segments = optim.segments;
    this.units = optim.units;
    this.order = optim.order;
    new Uint32Array(memory.buffer, optim.units.addr, optim.entries.length).set(optim.entries);
    const seg = new Uint32Array(memory.buffer, this.segments, this.order.length * SEGMENT_WORDS);
    this.order.forEach((p, i) => {
      seg.set([p.addr, p.grad, p.slots[0], p.slots[1], p.floats], i * SEGMENT_WORDS);
    });
    this.batches.set(o.batch, this.compileInto(first));
  }

  /**
   * Compiles the network for `o.batch` and starts the threads.
   *
   * @example
   * const t = await WasmTrainer.create({ plan, bnEps: 1e-5, bnMomentum: 0.1, batch: 64, inputSize: 32,
   *   inputChannels: 3, trainable: new Set(STAGE_NAMES), optimizer: { kind: "sgd" } });
   * t.setWeights(weights); t.setGroups([{ names: [...], lrScale: 1, weightDecay: 1e-4 }]);
   * const { loss } = t.step(pixels, labels, 0.1);
   * await t.dispose();
   */
  static async create(o: WasmTrainerOptions): Promise<WasmTrainer> {
    const engine = loadEngineModule(o.fma ?? "auto");
    const layout = new MemoryLayout(PAGE);
    const ctl = layout.alloc(CONTROL_BYTES);
    const threads = Math.max(1, Math.min(o.threads ?? availableParallelism(), 64));
    const scratch = layout.alloc(threads * DW_SCRATCH_BYTES);
    const graph = buildGraph(o, { layout });
    const optim = reserveOptimizer(layout, graph.params);
    // The constructor's programs and later batch sizes grow the memory as they need.
    const pages = Math.ceil(layout.size / PAGE) + 1;
    const memory = new wasm.Memory({ initial: pages, maximum: 65536, shared: true });
    const ref: { t?: EngineThreads } = {};
    const trainer = new WasmTrainer(
      o,
      { threads, scratch },
      layout,
      graph.params,
      memory,
      ref,
      engine,
      graph,
      optim,
    );
    ref.t = await EngineThreads.start(engine, memory, ctl, threads);
    return trainer;
  }

  get threads(): number {
    return this.threadsRef.t?.threads ?? 0;
  }

  /** Parameter names in the engine (learnable and running statistics), in network order. */
  names(): string[] {
    return [...this.params.byName.keys()];
  }

  private f32(addr: number, floats: number): Float32Array {
    return new Float32Array(this.memory.buffer, addr, floats);
  }

  private ensureRoom(): void {
    const need = Math.ceil(this.layout.size / PAGE) + 1;
    const have = this.memory.buffer.byteLength / PAGE;
    if (need > have) this.memory.grow(need - have);
  }

  private compileInto(graph: NetworkGraph): CompiledBatch {
    const train = emitForward(graph, "train", this.dw);
    const ce = train.ops.findIndex((op) => op.code === Op.crossEntropy);
    train.append(emitBackward(graph, this.dw));
    train.push(Op.optimize, [this.units.addr, this.units.count, this.opt.kind === "adamw" ? 1 : 0]);
    const evalProgram = emitForward(graph, "eval", this.dw);
    const trainAddr = this.layout.alloc(train.bytes);
    const evalAddr = this.layout.alloc(evalProgram.bytes);
    this.ensureRoom();
    for (const [addr, values] of graph.tables)
      new Uint32Array(this.memory.buffer, addr, values.length).set(values);
    train.write(this.memory.buffer, trainAddr);
    evalProgram.write(this.memory.buffer, evalAddr);
    return {
      graph,
      train: { addr: trainAddr, count: train.ops.length, ce },
      eval: { addr: evalAddr, count: evalProgram.ops.length },
    };
  }

  private batch(n: number): CompiledBatch {
    const hit = this.batches.get(n);
    if (hit) return hit;
    if (n < 2)
      throw new ResNetError(
        "invalid_input",
        "wasm trainer: a training batch needs at least 2 images (BatchNorm)",
      );
    const graph = buildGraph({ ...this.o, batch: n }, { layout: this.layout, params: this.params });
    const compiled = this.compileInto(graph);
    this.batches.set(n, compiled);
    return compiled;
  }

  /** Copies weights in by torchvision name (tfjs layouts); every engine parameter must be present. */
  setWeights(weights: ReadonlyMap<string, ArrayLike<number>>): void {
    for (const p of this.params.byName.values()) {
      const v = weights.get(p.name);
      if (!v) throw new ResNetError("weights_mismatch", `wasm trainer: no value for ${p.name}`);
      if (v.length !== p.floats)
        throw new ResNetError(
          "invalid_input",
          `wasm trainer: ${p.name} has ${v.length} values, expected ${p.floats}`,
        );
      this.f32(p.addr, p.floats).set(v);
    }
  }

  /** Copies of every engine parameter (learnable and running statistics) by torchvision name. */
  getWeights(): Map<string, Float32Array> {
    return new Map([...this.params.byName.values()].map((p) => [p.name, this.f32(p.addr, p.floats).slice()]));
  }

  /** Copies of the gradients of the last step, by parameter name (trainable parameters only). */
  getGradients(): Map<string, Float32Array> {
    return new Map(this.order.map((p) => [p.name, this.f32(p.grad, p.floats).slice()]));
  }

  /** Learning-rate scales and weight decays; every trainable parameter must be in a group. */
  setGroups(groups: readonly TrainerGroup[]): void {
    const next = new Map<string, { lrScale: number; weightDecay: number }>();
    for (const g of groups)
      for (const n of g.names) next.set(n, { lrScale: g.lrScale, weightDecay: g.weightDecay });
    const missing = this.order.filter((p) => !next.has(p.name)).map((p) => p.name);
    if (missing.length > 0)
      throw new ResNetError("invalid_options", `wasm trainer: no parameter group for ${missing.join(", ")}`);
    this.groups = next;
  }

  private writeInput(graph: NetworkGraph, pixels: Float32Array, n: number): void {
    const v = graph.input;
    const row = v.w * v.c;
    if (pixels.length !== n * v.h * row) {
      throw new ResNetError(
        "invalid_input",
        `wasm trainer: expected ${n}×${v.h}×${v.w}×${v.c} values, got ${pixels.length}`,
      );
    }
    const all = new Float32Array(this.memory.buffer);
    for (let i = 0; i < n; i++)
      for (let y = 0; y < v.h; y++) {
        const at = pixelAddress(v, i, y, 0) >> 2;
        all.set(pixels.subarray((i * v.h + y) * row, (i * v.h + y + 1) * row), at);
      }
  }

  private writeSegments(lr: number): void {
    const u32 = new Uint32Array(this.memory.buffer, this.segments, this.order.length * SEGMENT_WORDS);
    const f32 = new Float32Array(this.memory.buffer, this.segments, this.order.length * SEGMENT_WORDS);
    const { momentum, beta1, beta2, eps } = this.opt;
    this.order.forEach((p, i) => {
      const g = this.groups.get(p.name);
      if (!g)
        throw new ResNetError(
          "invalid_options",
          `wasm trainer: no parameter group for ${p.name} (call setGroups)`,
        );
      const step = (this.steps.get(p.name) ?? 0) + 1;
      this.steps.set(p.name, step);
      const b = i * SEGMENT_WORDS;
      f32[b + 5] = lr * g.lrScale;
      f32[b + 6] = g.weightDecay;
      f32[b + 7] = momentum;
      u32[b + 8] = step === 1 ? 1 : 0;
      f32[b + 9] = beta1;
      f32[b + 10] = beta2;
      f32[b + 11] = eps;
      f32[b + 12] = 1 - beta1 ** step;
      f32[b + 13] = Math.sqrt(1 - beta2 ** step);
    });
  }

  /**
   * One training step on `labels.length` images (NHWC, `[n, size, size, channels]` dense) at base rate `lr`.
   *
   * @example
   * const { loss, logits } = trainer.step(batch, labels, 0.05, 0.1);
   */
  step(pixels: Float32Array, labels: ArrayLike<number>, lr: number, labelSmoothing = 0): StepOutput {
    const n = labels.length;
    const c = this.batch(n);
    const { head } = c.graph;
    this.writeInput(c.graph, pixels, n);
    const k = head.numClasses;
    const lab = new Int32Array(this.memory.buffer, head.labels, n);
    for (let i = 0; i < n; i++) {
      const y = labels[i]!;
      if (!Number.isInteger(y) || y < 0 || y >= k)
        throw new ResNetError("invalid_input", `wasm trainer: label ${y} outside [0, ${k})`);
      lab[i] = y;
    }
    // The CE record's smoothing argument (word 2 + 4).
    new Float32Array(this.memory.buffer, c.train.addr + c.train.ce * 256, 64)[6] = labelSmoothing;
    this.writeSegments(lr);
    this.threadsRef.t!.run(c.train.addr, c.train.count);
    return { loss: this.f32(head.loss, 1)[0]!, logits: this.f32(head.logits, n * k).slice() };
  }

  /**
   * Inference-mode forward pass of `n` images (at most the compiled batch): logits and pooled features.
   *
   * @example
   * const { logits } = trainer.evaluate(pixels, 37);
   */
  evaluate(pixels: Float32Array, n: number): { logits: Float32Array; features: Float32Array } {
    const c = this.batches.get(this.o.batch)!;
    if (n < 1 || n > this.o.batch)
      throw new ResNetError("invalid_input", `wasm trainer: evaluate takes 1 to ${this.o.batch} images`);
    this.writeInput(c.graph, pixels, n);
    this.threadsRef.t!.run(c.eval.addr, c.eval.count);
    const { head } = c.graph;
    return {
      logits: this.f32(head.logits, n * head.numClasses).slice(),
      features: this.f32(head.features, n * head.featureDim).slice(),
    };
  }

  getOptimizerState(): TrainerOptimizerState {
    const params: TrainerOptimizerState["params"] = {};
    for (const p of this.order) {
      const step = this.steps.get(p.name) ?? 0;
      if (step === 0) continue;
      const slots: Record<string, Float32Array> =
        this.opt.kind === "sgd"
          ? { momentum: this.f32(p.slots[0], p.floats).slice() }
          : { m: this.f32(p.slots[0], p.floats).slice(), v: this.f32(p.slots[1], p.floats).slice() };
      params[p.name] = { step, slots };
    }
    return { kind: this.opt.kind, params };
  }

  /** Restores state for the parameters this engine trains (others in `state` are ignored). */
  setOptimizerState(state: TrainerOptimizerState): void {
    this.steps.clear();
    for (const p of this.order) {
      const s = state.params[p.name];
      if (!s || s.step === 0) continue;
      const names = this.opt.kind === "sgd" ? ["momentum"] : ["m", "v"];
      names.forEach((slot, i) => {
        const v = s.slots[slot];
        if (!v || v.length !== p.floats)
          throw new ResNetError(
            "invalid_options",
            `wasm trainer: optimizer slot ${slot} of ${p.name} is missing`,
          );
        this.f32(p.slots[i as 0 | 1], p.floats).set(v);
      });
      this.steps.set(p.name, s.step);
    }
  }

  async dispose(): Promise<void> {
    await this.threadsRef.t?.close();
  }
}

/** Segment records (one per trainable parameter) and the chunked unit table of the optimizer op. */
function reserveOptimizer(layout: MemoryLayout, params: NetworkParams) {
  const order = params.trainable();
  const segments = layout.alloc(Math.max(1, order.length) * SEGMENT_WORDS * 4);
  const entries: number[] = [];
  order.forEach((p, i) => {
    for (let s = 0; s < p.floats; s += OPTIM_CHUNK)
      entries.push(segments + i * SEGMENT_WORDS * 4, s, Math.min(OPTIM_CHUNK, p.floats - s));
  });
  const addr = layout.alloc(Math.max(1, entries.length) * 4);
  return { segments, order, units: { addr, count: entries.length / 3 }, entries };
}
