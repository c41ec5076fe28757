/**
 * The backward program: from dLogits down to the first trainable stage, parameter gradients of trainable stages
 * and input gradients wherever something earlier trains. Frozen BatchNorm passes gradients through its
 * inference affine map; a ReLU's mask is its own stored output.
 */

import { ResNetError } from "../errors.js";
import { type View, viewArgs } from "./memory-layout.js";
import type { BlockNode, ConvNode, NetworkGraph, NormNode } from "./network-graph.js";
import { convRowsPerUnit, Op, Program, type ProgramSetup } from "./ops.js";

/** Bytes of dY one row block of the filter-gradient reduction may span (it stays in L2 across a unit's groups). */
const DW_BLOCK_BYTES = 128 * 1024;
const DW_MAX_ROWS = 512;
/** Scratch bytes each thread needs for the filter gradient (a packed dY block and 4 packed x columns). */
export const DW_SCRATCH_BYTES = DW_BLOCK_BYTES + DW_MAX_ROWS * 16;

/**
 * Filter gradient of `c` (trainable convs only). Row blocks are sized so their dY fits in L2; the k groups are
 * split into about 4 units per thread (balance), never fewer than 4 groups a unit (each unit reads all of dY).
 */
function emitFilterGrad(p: Program, c: ConvNode, dw: ProgramSetup): void {
  if (!c.dw) return;
  const co = c.spec.outChannels;
  const rowsPerBlock = Math.max(16, Math.min(DW_MAX_ROWS, Math.floor(DW_BLOCK_BYTES / (co * 4))));
  if (rowsPerBlock * co * 4 > DW_BLOCK_BYTES)
    throw new ResNetError("trainer_unsupported", `wasm trainer: ${c.spec.name} has too many output channels`);
  const groupsPerUnit = Math.max(4, Math.ceil(c.dw.groups / (4 * dw.threads)));
  p.push(Op.convDw, [
    c.dw.rows.addr,
    c.dw.rows.count,
    c.dw.koff,
    c.dw.dst,
    c.dw.groups,
    co / 8,
    rowsPerBlock,
    groupsPerUnit,
    dw.scratch,
    DW_SCRATCH_BYTES,
  ]);
}

/** Input gradient of `c` into its dx view; `accumulate` adds to what is there. */
function emitInputGrad(p: Program, c: ConvNode, accumulate: boolean, setup: ProgramSetup): void {
  const dx = c.dx;
  if (!dx) return;
  if (!accumulate && !dx.covers) {
    p.push(Op.zero, [dx.view.base, dx.view.n * dx.view.h * dx.view.w * dx.view.c * 4]);
    accumulate = true;
  }
  for (const ph of dx.phases) {
    p.push(Op.packInputGrad, [
      c.weight.addr,
      c.spec.inChannels,
      c.spec.outChannels,
      ph.taps,
      ph.tapCount,
      ph.packed,
    ]);
    p.push(Op.conv, [
      ph.rows.addr,
      ph.rows.count,
      ph.offsets,
      ph.tapCount,
      c.spec.outChannels,
      ph.packed,
      c.spec.inChannels / 8,
      accumulate ? 1 : 0,
      convRowsPerUnit(ph.rows.count, setup.threads),
      Math.max(1, Math.floor(4096 / (8 * c.spec.outChannels))),
    ]);
  }
}

/**
 * Gradient through a norm (and the ReLU whose output is `mask`) into the norm's input gradient `out`;
 * `identity` also receives the masked gradient itself (an identity shortcut's share).
 */
function emitNormGrad(
  p: Program,
  g: NetworkGraph,
  n: NormNode,
  dO: View,
  mask: View | undefined,
  out: View | undefined,
  identity?: View,
): void {
  const c = n.spec.channels;
  const [a, bCoef, cCoef] = g.coef;
  if (n.train) {
    const m = n.y.n * n.y.h * n.y.w;
    p.push(Op.bnBwdSum, [
      ...viewArgs(dO),
      ...viewArgs(mask),
      ...viewArgs(n.y),
      n.batchMean,
      n.rows,
      g.partial,
    ]);
    p.push(Op.bnBwdFinish, [
      g.partial,
      n.chunks,
      c,
      m,
      n.batchMean,
      n.invstd,
      n.weight.addr,
      n.weight.grad,
      n.bias.grad,
      a,
      bCoef,
      cCoef,
    ]);
  }
  if (!out) return;
  p.push(Op.bnBwdApply, [
    ...viewArgs(dO),
    ...viewArgs(mask),
    ...viewArgs(n.y),
    n.train ? a : n.scale,
    bCoef,
    cCoef,
    ...viewArgs(out),
    ...viewArgs(identity),
    n.rows,
    n.train ? 1 : 0,
  ]);
}

function emitBlockGrad(p: Program, g: NetworkGraph, b: BlockNode, dw: ProgramSetup): void {
  const dz = b.dz;
  if (!dz) return;
  const last = b.convs.length - 1;
  const lastConv = b.convs[last]!;
  const identity = b.down ? undefined : b.dx;
  emitNormGrad(p, g, b.norms[last]!, dz, b.z, lastConv.dy!, identity);
  if (b.down) emitNormGrad(p, g, b.down.norm, dz, b.z, b.down.conv.dy!);
  for (let i = last; i >= 0; i--) {
    const c = b.convs[i]!;
    emitFilterGrad(p, c, dw);
    if (i > 0) {
      emitInputGrad(p, c, false, dw);
      emitNormGrad(p, g, b.norms[i - 1]!, b.dHidden[i - 1]!, b.hidden[i - 1]!, b.convs[i - 1]!.dy!);
    } else {
      emitInputGrad(p, c, identity !== undefined, dw);
    }
  }
  if (b.down) {
    emitFilterGrad(p, b.down.conv, dw);
    emitInputGrad(p, b.down.conv, true, dw);
  }
}

/**
 * dLogits → fc → pooled features → blocks in reverse → stem, as far as gradients flow.
 *
 * @example
 * const program = emitForward(graph, "train"); program.append(emitBackward(graph, { threads, scratch }));
 */
export function emitBackward(g: NetworkGraph, dw: ProgramSetup): Program {
  const p = new Program();
  const { head, stem } = g;
  const n = g.options.batch;
  p.push(Op.fcBwd, [
    head.features,
    n,
    head.featureDim,
    head.fcWeight.addr,
    head.numClasses,
    head.dLogits,
    head.fcGrad.weight,
    head.fcGrad.bias,
    head.dLast ? head.dFeatures : 0,
  ]);
  if (head.dLast) {
    const rows = Math.max(1, Math.floor(8192 / (head.dLast.w * head.dLast.c)));
    p.push(Op.gapBwd, [head.dFeatures, ...viewArgs(head.dLast), rows]);
  }
  for (let i = g.blocks.length - 1; i >= 0; i--) emitBlockGrad(p, g, g.blocks[i]!, dw);
  if (stem.norm && stem.relu && stem.dRelu) {
    if (stem.pool?.dOut)
      p.push(Op.maxPoolBwd, [...viewArgs(stem.pool.dOut), stem.pool.argmax, ...viewArgs(stem.dRelu)]);
    if (stem.conv?.dy) {
      emitNormGrad(p, g, stem.norm, stem.dRelu, stem.relu, stem.conv.dy);
      emitFilterGrad(p, stem.conv, dw);
    } else if (stem.norm.train) {
      // bn1 trains on a cached conv1 output: its parameter gradients only (no input gradient buffer).
      emitNormGrad(p, g, stem.norm, stem.dRelu, stem.relu, undefined);
    }
  }
  return p;
}
