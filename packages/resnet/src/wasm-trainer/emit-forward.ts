/**
 * The forward program of a network graph: in `train` mode BatchNorm of trainable stages normalises with batch
 * statistics (and updates the running ones), in `eval` mode every BatchNorm is its inference affine map.
 */
import { type View, viewArgs } from "./memory-layout.js";
import type { BlockNode, ConvNode, NetworkGraph, NormNode } from "./network-graph.js";
import { convRowsPerUnit, Op, Program, type ProgramSetup } from "./ops.js";

/** Output rows per unit of work of a forward or input-gradient convolution. */

export type ForwardMode = "train" | "eval";

export function emitPack(p: Program, c: ConvNode): void {
  const k = c.spec.kernel * c.spec.kernel * c.spec.inChannels;
  p.push(Op.packForward, [c.weight.addr, k, c.spec.outChannels, c.packed]);
}

export function emitConv(p: Program, c: ConvNode, setup: ProgramSetup): void {
  emitPack(p, c);
  const taps = c.spec.kernel * c.spec.kernel;
  p.push(Op.conv, [
    c.rows.addr,
    c.rows.count,
    c.taps,
    taps,
    c.spec.inChannels,
    c.packed,
    c.spec.outChannels / 8,
    0,
    convRowsPerUnit(c.rows.count, setup.threads),
    c.tapsPerBlock,
  ]);
}

/** Batch statistics (train) or the running ones (eval) into the norm's scale and shift. */
export function emitNormStats(p: Program, g: NetworkGraph, n: NormNode, mode: ForwardMode): void {
  const c = n.spec.channels;
  if (mode === "eval" || !n.train) {
    p.push(Op.bnEvalPrep, [
      c,
      n.weight.addr,
      n.bias.addr,
      n.mean.addr,
      n.variance.addr,
      { f: g.options.bnEps },
      n.scale,
      n.shift,
    ]);
    return;
  }
  const m = n.y.n * n.y.h * n.y.w;
  p.push(Op.bnSum, [...viewArgs(n.y), n.rows, g.partial]);
  p.push(Op.bnMean, [g.partial, n.chunks, c, m, n.batchMean]);
  p.push(Op.bnVarSum, [...viewArgs(n.y), n.rows, g.partial, n.batchMean]);
  p.push(Op.bnFinish, [
    g.partial,
    n.chunks,
    c,
    m,
    n.batchMean,
    n.invstd,
    n.weight.addr,
    n.bias.addr,
    n.scale,
    n.shift,
    n.mean.addr,
    n.variance.addr,
    { f: g.options.bnMomentum },
    { f: g.options.bnEps },
    1,
  ]);
}

interface Residual {
  view: View;
  /** The shortcut's own norm (projection shortcut); absent for the identity. */
  norm?: NormNode;
}

export function emitNormApply(p: Program, n: NormNode, out: View, relu: boolean, res?: Residual): void {
  const mode = res ? (res.norm ? 2 : 1) : 0;
  p.push(Op.bnApply, [
    ...viewArgs(n.y),
    ...viewArgs(out),
    n.scale,
    n.shift,
    relu ? 1 : 0,
    mode,
    ...viewArgs(res?.view),
    res?.norm?.scale ?? 0,
    res?.norm?.shift ?? 0,
    n.rows,
  ]);
}

function emitBlock(p: Program, g: NetworkGraph, b: BlockNode, mode: ForwardMode, setup: ProgramSetup): void {
  const last = b.convs.length - 1;
  b.convs.forEach((c, i) => {
    emitConv(p, c, setup);
    emitNormStats(p, g, b.norms[i]!, mode);
    if (i < last) emitNormApply(p, b.norms[i]!, b.hidden[i]!, true);
  });
  if (b.down) {
    emitConv(p, b.down.conv, setup);
    emitNormStats(p, g, b.down.norm, mode);
  }
  const res: Residual = b.down ? { view: b.down.conv.g.y, norm: b.down.norm } : { view: b.x };
  emitNormApply(p, b.norms[last]!, b.z, true, res);
}

/**
 * Everything from the input view to the logits (and, in train mode, the loss and dLogits; the CE record's
 * smoothing argument is rewritten per step by the trainer).
 *
 * @example
 * const train = emitForward(graph, "train", setup);
 */
export function emitForward(g: NetworkGraph, mode: ForwardMode, setup: ProgramSetup): Program {
  const p = new Program();
  const { stem, head } = g;
  if (stem.conv) emitConv(p, stem.conv, setup);
  if (stem.norm && stem.relu) {
    emitNormStats(p, g, stem.norm, mode);
    emitNormApply(p, stem.norm, stem.relu, true);
    if (stem.pool)
      p.push(Op.maxPoolFwd, [...viewArgs(stem.relu), ...viewArgs(stem.pool.out), stem.pool.argmax]);
  }
  for (const b of g.blocks) emitBlock(p, g, b, mode, setup);
  const n = g.options.batch;
  p.push(Op.gapFwd, [...viewArgs(head.last), head.features]);
  p.push(Op.fcFwd, [
    head.features,
    n,
    head.featureDim,
    head.fcWeight.addr,
    head.fcBias.addr,
    head.numClasses,
    head.logits,
  ]);
  if (mode === "train") {
    p.push(Op.crossEntropy, [
      head.logits,
      n,
      head.numClasses,
      head.labels,
      { f: 0 },
      head.dLogits,
      head.loss,
    ]);
  }
  return p;
}
