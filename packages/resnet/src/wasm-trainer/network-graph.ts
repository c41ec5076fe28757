/**
 * A ResNet plan laid out for the engine: every conv, norm and tensor of the stages the engine runs, with its
 * buffers allocated. Emitting programs (emit-forward.ts, emit-backward.ts) only reads this graph.
 *
 * Tensors that feed a convolution carry a zero border as wide as that convolution's padding, so no kernel
 * ever tests bounds; gradients of convolution outputs carry the border their input gradient's taps need.
 */
import { ResNetError } from "../errors.js";
import type { BlockSpec, ConvSpec, NetworkPlan, NormSpec } from "../model/plan.js";
import type { StageName } from "../types.js";
import {
  type ConvGeometry,
  filterGradTables,
  forwardTaps,
  type InputGradPhase,
  inputGradPadding,
  inputGradPhases,
  outputRows,
  type RowTable,
  type TableWriter,
} from "./conv-tables.js";
import { MemoryLayout, type View } from "./memory-layout.js";
import { NetworkParams, type ParamSlot } from "./network-params.js";

/**
 * Body stages in order; the engine may start after any of them (its input is then that stage's output).
 * @example
 * const stage: BodyStage = "layer3";
 */
export type BodyStage = "conv1" | "bn1" | "layer1" | "layer2" | "layer3" | "layer4";

/**
 * What the training engine's graph is built for (batch, image size, where the trained part starts).
 * @example
 * const graph = buildGraph(config, { batch: 32, imageSize: 32 } as GraphOptions);
 */
export interface GraphOptions {
  plan: NetworkPlan;
  bnEps: number;
  bnMomentum: number;
  batch: number;
  /** Height = width of the engine's input (the image, or the activation after `from`). */
  inputSize: number;
  /** Channels of the image (ignored when `from` is set). */
  inputChannels: number;
  /** The engine's input is the output of this stage (a cached frozen prefix); undefined: images. */
  from?: BodyStage;
  /** Stages whose parameters train; every other stage is frozen (BatchNorm in inference form). */
  trainable: ReadonlySet<StageName>;
}

export interface ConvNode {
  spec: ConvSpec;
  stage: StageName;
  g: ConvGeometry;
  weight: ParamSlot;
  packed: number;
  rows: RowTable;
  taps: number;
  tapsPerBlock: number;
  /** Gradient of the output (when anything upstream trains). */
  dy?: View;
  dw?: { rows: RowTable; koff: number; dst: number; groups: number };
  /** Input gradient, when `dx` is needed: one phase per stride phase, each with its packed filter. */
  dx?: { view: View; phases: Array<InputGradPhase & { packed: number }>; covers: boolean };
}

export interface NormNode {
  spec: NormSpec;
  stage: StageName;
  y: View;
  train: boolean;
  weight: ParamSlot;
  bias: ParamSlot;
  mean: ParamSlot;
  variance: ParamSlot;
  batchMean: number;
  invstd: number;
  scale: number;
  shift: number;
  rows: number;
  chunks: number;
}

export interface BlockNode {
  spec: BlockSpec;
  stage: StageName;
  x: View;
  convs: ConvNode[];
  norms: NormNode[];
  /** ReLU outputs between the convs. */
  hidden: View[];
  /** Gradients of the hidden tensors. */
  dHidden: (View | undefined)[];
  down?: { conv: ConvNode; norm: NormNode };
  z: View;
  dz?: View;
  /** Gradient of x, when something before this block trains. */
  dx?: View;
}

export interface StemNode {
  conv?: ConvNode;
  norm?: NormNode;
  /** ReLU output and, with a max-pool, its output and argmax bytes. */
  relu?: View;
  dRelu?: View;
  pool?: { out: View; argmax: number; dOut?: View };
}

export interface HeadNode {
  last: View;
  dLast?: View;
  features: number;
  dFeatures: number;
  fcWeight: ParamSlot;
  fcBias: ParamSlot;
  /** Gradient buffers of the fc parameters (their ParamSlot ones, or scratch when fc is frozen). */
  fcGrad: { weight: number; bias: number };
  logits: number;
  dLogits: number;
  labels: number;
  loss: number;
  featureDim: number;
  numClasses: number;
}

export interface NetworkGraph {
  options: GraphOptions;
  layout: MemoryLayout;
  params: NetworkParams;
  /** Dense tables to copy into memory once it exists. */
  tables: Array<[number, Uint32Array]>;
  input: View;
  stem: StemNode;
  blocks: BlockNode[];
  head: HeadNode;
  trash: number;
  partial: number;
  coef: [number, number, number];
  /** Index in STAGE order of the first trainable stage the engine runs. */
  firstTrainable: number;
}

const STAGE_ORDER: StageName[] = ["conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "fc"];
const BN_CHUNK_FLOATS = 8192;
const KERNEL_L1_FLOATS = 4096;

function rowsPerChunk(v: View): number {
  return Math.max(1, Math.floor(BN_CHUNK_FLOATS / (v.w * v.c)));
}

/** What graphs of other batch sizes share with the first one: its memory layout and parameters. */
export interface SharedGraphState {
  layout: MemoryLayout;
  params?: NetworkParams;
}

class GraphBuilder {
  readonly layout: MemoryLayout;
  readonly tables: Array<[number, Uint32Array]> = [];
  readonly write: TableWriter = (addr, values) => this.tables.push([addr, values]);
  readonly params: NetworkParams;
  readonly trash: number;
  private partialFloats = 0;
  private maxChannels = 0;
  readonly firstTrainable: number;
  readonly deferred: Array<() => void> = [];

  constructor(
    readonly o: GraphOptions,
    shared?: SharedGraphState,
  ) {
    this.layout = shared?.layout ?? new MemoryLayout();
    const start = o.from === undefined ? 0 : STAGE_ORDER.indexOf(o.from) + 1;
    const first = STAGE_ORDER.findIndex((s, i) => i >= start && o.trainable.has(s));
    if (first < 0)
      throw new ResNetError(
        "trainer_unsupported",
        "wasm trainer: no trainable stage after the engine's input",
      );
    this.firstTrainable = first;
    this.params = shared?.params ?? new NetworkParams(this.layout, (s) => o.trainable.has(s));
    let maxC = o.plan.numClasses;
    for (const st of o.plan.stages)
      for (const b of st.blocks) for (const c of b.convs) maxC = Math.max(maxC, c.outChannels, c.inChannels);
    this.maxChannels = Math.max(maxC, o.plan.stem.outChannels, 8);
    this.trash = this.layout.floats(this.maxChannels * 8);
  }

  /** Whether gradients flow through tensors made in `stage` (it or something before it trains). */
  flows(stage: StageName): boolean {
    return STAGE_ORDER.indexOf(stage) >= this.firstTrainable;
  }

  /** Whether gradients flow into the input of `stage` (something strictly before it trains). */
  flowsInto(stage: StageName): boolean {
    return STAGE_ORDER.indexOf(stage) > this.firstTrainable;
  }

  view(n: number, h: number, w: number, c: number, p: number): View {
    return this.layout.view({ n, h, w, c, p });
  }

  private readonly grads = new Map<string, View>();

  /**
   * A gradient buffer shared by every block with the same role and shape: backward runs block by block, so a
   * block's temporaries (`dy0`, `dh0`, …) are dead once it is done, and block inputs alternate between two
   * buffers (`dx0`/`dx1` by block parity) because a block reads its output's gradient while writing its input's.
   * Same shape and border, so a shared border stays zero.
   */
  gradView(role: string, n: number, h: number, w: number, c: number, p: number): View {
    const key = `${role}|${n}x${h}x${w}x${c}p${p}`;
    let v = this.grads.get(key);
    if (!v) {
      v = this.view(n, h, w, c, p);
      this.grads.set(key, v);
    }
    return v;
  }

  conv(spec: ConvSpec, stage: StageName, x: View, outPad: number, needDx: boolean, role: string): ConvNode {
    if (spec.groups !== 1)
      throw new ResNetError(
        "trainer_unsupported",
        `wasm trainer: grouped convolution ${spec.name} is not supported`,
      );
    if (spec.outChannels % 8 !== 0)
      throw new ResNetError(
        "trainer_unsupported",
        `wasm trainer: ${spec.name} has ${spec.outChannels} outputs`,
      );
    const ho = Math.floor((x.h + 2 * spec.pad - spec.kernel) / spec.stride) + 1;
    const wo = Math.floor((x.w + 2 * spec.pad - spec.kernel) / spec.stride) + 1;
    const y = this.view(x.n, ho, wo, spec.outChannels, outPad);
    const g: ConvGeometry = { spec, x, y };
    const k = spec.kernel;
    const weight = this.params.add(`${spec.name}.weight`, stage, [k, k, spec.inChannels, spec.outChannels]);
    const node: ConvNode = {
      spec,
      stage,
      g,
      weight,
      packed: this.layout.floats(weight.floats),
      rows: outputRows(this.layout, this.write, g, y, this.trash),
      taps: forwardTaps(this.layout, this.write, g),
      tapsPerBlock: Math.max(1, Math.floor(KERNEL_L1_FLOATS / (8 * spec.inChannels))),
    };
    if (this.flows(stage)) {
      const pd = needDx ? inputGradPadding(spec, x.h, ho) : 0;
      node.dy = this.gradView(role, x.n, ho, wo, spec.outChannels, pd);
    }
    if (weight.trainable && node.dy) {
      node.dw = {
        rows: outputRows(this.layout, this.write, g, node.dy),
        ...filterGradTables(this.layout, this.write, g, weight.grad, this.trash),
      };
    }
    return node;
  }

  /** Input gradient of `c` into `dx` (allocated by the caller, unpadded). */
  inputGrad(c: ConvNode, dx: View): void {
    if (!c.dy)
      throw new ResNetError("trainer_unsupported", `wasm trainer: ${c.spec.name} has no output gradient`);
    if (c.spec.inChannels % 8 !== 0)
      throw new ResNetError(
        "trainer_unsupported",
        `wasm trainer: ${c.spec.name} has ${c.spec.inChannels} inputs`,
      );
    const phases = inputGradPhases(this.layout, this.write, c.spec, c.dy, dx, this.trash).map((p) => ({
      ...p,
      packed: this.layout.floats(p.tapCount * c.spec.inChannels * c.spec.outChannels),
    }));
    const covered = phases.reduce((s, p) => s + p.pixels, 0);
    c.dx = { view: dx, phases, covers: covered === dx.n * dx.h * dx.w };
  }

  norm(spec: NormSpec, stage: StageName, y: View): NormNode {
    const c = spec.channels;
    const rows = rowsPerChunk(y);
    const chunks = Math.ceil((y.n * y.h) / rows);
    this.partialFloats = Math.max(this.partialFloats, chunks * 2 * c);
    return {
      spec,
      stage,
      y,
      train: this.o.trainable.has(stage),
      weight: this.params.add(`${spec.name}.weight`, stage, [c]),
      bias: this.params.add(`${spec.name}.bias`, stage, [c]),
      mean: this.params.add(`${spec.name}.running_mean`, stage, [c], false),
      variance: this.params.add(`${spec.name}.running_var`, stage, [c], false),
      batchMean: this.layout.floats(c),
      invstd: this.layout.floats(c),
      scale: this.layout.floats(c),
      shift: this.layout.floats(c),
      rows,
      chunks,
    };
  }

  finish(): { partial: number; coef: [number, number, number] } {
    const c = this.maxChannels;
    return {
      partial: this.layout.floats(Math.max(this.partialFloats, 8)),
      coef: [this.layout.floats(c), this.layout.floats(c), this.layout.floats(c)],
    };
  }
}

/** Pad of the first conv reading a block's input (the next block's conv1; 0 after the last block). */
function nextPad(blocks: BlockSpec[], i: number): number {
  return blocks[i] ? blocks[i]!.convs[0]!.pad : 0;
}

function buildBlock(
  b: GraphBuilder,
  spec: BlockSpec,
  stage: StageName,
  x: View,
  outPad: number,
  first: boolean,
  index: number,
) {
  const needDx = b.flowsInto(stage) || (b.flows(stage) && !first);
  const node: BlockNode = { spec, stage, x, convs: [], norms: [], hidden: [], dHidden: [], z: x };
  let h = x;
  spec.convs.forEach((cs, i) => {
    const last = i === spec.convs.length - 1;
    const conv = b.conv(cs, stage, h, 0, i > 0 || needDx, `dy${i}`);
    const norm = b.norm(spec.norms[i]!, stage, conv.g.y);
    node.convs.push(conv);
    node.norms.push(norm);
    if (!last) {
      h = b.view(x.n, conv.g.y.h, conv.g.y.w, cs.outChannels, spec.convs[i + 1]!.pad);
      node.hidden.push(h);
      node.dHidden.push(b.flows(stage) ? b.gradView(`dh${i}`, h.n, h.h, h.w, h.c, 0) : undefined);
    }
  });
  if (spec.downsample) {
    const conv = b.conv(spec.downsample.conv, stage, x, 0, needDx, "dyd");
    node.down = { conv, norm: b.norm(spec.downsample.norm, stage, conv.g.y) };
  }
  const y = node.convs.at(-1)!.g.y;
  node.z = b.view(x.n, y.h, y.w, y.c, outPad);
  if (needDx) {
    node.dx = b.gradView(`dx${index % 2}`, x.n, x.h, x.w, x.c, 0);
    b.deferred.push(() => {
      b.inputGrad(node.convs[0]!, node.dx!);
      if (node.down) b.inputGrad(node.down.conv, node.dx!);
    });
  }
  node.convs.forEach((c, i) => {
    if (i > 0 && b.flows(stage)) b.deferred.push(() => b.inputGrad(c, node.dHidden[i - 1]!));
  });
  return node;
}

function buildStem(
  b: GraphBuilder,
  o: GraphOptions,
  firstPad: number,
): { stem: StemNode; out: View; input: View } {
  const { plan, batch: n, inputSize: s } = o;
  const stem: StemNode = {};
  const startAt = o.from === undefined ? 0 : STAGE_ORDER.indexOf(o.from) + 1;
  if (startAt >= 2) {
    const c = o.from === "bn1" ? plan.stem.outChannels : channelsAfter(plan, o.from!);
    const input = b.view(n, s, s, c, firstPad);
    return { stem, out: input, input };
  }
  let input: View;
  let y: View;
  if (startAt === 0) {
    input = b.view(n, s, s, o.inputChannels, plan.stem.pad);
    stem.conv = b.conv(plan.stem, "conv1", input, 0, false, "stem");
    y = stem.conv.g.y;
  } else {
    input = b.view(n, s, s, plan.stem.outChannels, 0);
    y = input;
  }
  stem.norm = b.norm(plan.stemNorm, "bn1", y);
  const flows = b.flows("bn1");
  if (plan.maxPool) {
    stem.relu = b.view(n, y.h, y.w, y.c, 0);
    const ho = Math.floor((y.h + 2 - 3) / 2) + 1;
    const out = b.view(n, ho, ho, y.c, firstPad);
    stem.pool = { out, argmax: b.layout.alloc(n * ho * ho * y.c) };
    if (flows) stem.dRelu = b.gradView("stem-relu", n, y.h, y.w, y.c, 0);
    return { stem, out, input };
  }
  stem.relu = b.view(n, y.h, y.w, y.c, firstPad);
  return { stem, out: stem.relu, input };
}

function channelsAfter(plan: NetworkPlan, stage: BodyStage): number {
  const st = plan.stages.find((s) => s.name === stage);
  if (!st) throw new ResNetError("trainer_unsupported", `wasm trainer: the plan has no stage ${stage}`);
  return st.blocks.at(-1)!.norms.at(-1)!.channels;
}

/**
 * Lays out the network for `o`: buffers, parameters and tables. Throws for what the engine does not run
 * (grouped convolutions, GroupNorm, channel counts that are not multiples of 8); callers fall back to tfjs.
 *
 * @example
 * const g = buildGraph({ plan, bnEps: 1e-5, bnMomentum: 0.1, batch: 8, inputSize: 32, inputChannels: 3,
 *   trainable: new Set(["conv1", "bn1", "layer1", "layer2", "layer3", "fc"]) });
 */
export function buildGraph(o: GraphOptions, shared?: SharedGraphState): NetworkGraph {
  const b = new GraphBuilder(o, shared);
  const startAt = o.from === undefined ? 0 : STAGE_ORDER.indexOf(o.from) + 1;
  const specs: Array<{ spec: BlockSpec; stage: StageName; first: boolean }> = [];
  for (const st of o.plan.stages) {
    if (STAGE_ORDER.indexOf(st.name) < startAt) continue;
    st.blocks.forEach((spec, i) => {
      specs.push({ spec, stage: st.name, first: i === 0 });
    });
  }
  const blockSpecs = specs.map((s) => s.spec);
  const { stem, out, input } = buildStem(b, o, nextPad(blockSpecs, 0));
  let x = out;
  const blocks = specs.map((s, i) => {
    const node = buildBlock(b, s.spec, s.stage, x, nextPad(blockSpecs, i + 1), s.first, i);
    x = node.z;
    return node;
  });
  const head = buildHead(b, o, x);
  // A block's output gradient is the next block's input gradient; the last one's comes from the head, and the
  // first block's input gradient is the stem's output gradient.
  if (b.flowsInto("fc")) head.dLast = b.gradView(`dx${blocks.length % 2}`, x.n, x.h, x.w, x.c, 0);
  blocks.forEach((node, i) => {
    node.dz = i + 1 < blocks.length ? blocks[i + 1]!.dx : head.dLast;
  });
  if (stem.pool) stem.pool.dOut = blocks[0]?.dx;
  else if (stem.norm) stem.dRelu = blocks[0]?.dx;
  for (const f of b.deferred) f();
  const { partial, coef } = b.finish();
  return {
    options: o,
    layout: b.layout,
    params: b.params,
    tables: b.tables,
    input,
    stem,
    blocks,
    head,
    trash: b.trash,
    partial,
    coef,
    firstTrainable: b.firstTrainable,
  };
}

function buildHead(b: GraphBuilder, o: GraphOptions, last: View): HeadNode {
  const f = o.plan.featureDim;
  const k = o.plan.numClasses;
  const fcWeight = b.params.add("fc.weight", "fc", [f, k]);
  const fcBias = b.params.add("fc.bias", "fc", [k]);
  const n = o.batch;
  return {
    last,
    features: b.layout.floats(n * f),
    dFeatures: b.layout.floats(n * f),
    fcWeight,
    fcBias,
    fcGrad: {
      weight: fcWeight.trainable ? fcWeight.grad : b.layout.floats(f * k),
      bias: fcBias.trainable ? fcBias.grad : b.layout.floats(k),
    },
    logits: b.layout.floats(n * k),
    dLogits: b.layout.floats(n * k),
    labels: b.layout.alloc(n * 4),
    loss: b.layout.alloc(64),
    featureDim: f,
    numClasses: k,
  };
}
