/**
 * Op records of the engine's programs (assembly/trainer/control.ts dispatches on the code): REC_WORDS i32
 * words each, `[code, work counter, args…]`. Float arguments are written as f32 bits.
 */
import { ResNetError } from "../errors.js";
export const REC_WORDS = 64;
export const REC_BYTES = REC_WORDS * 4;

export const Op = {
  packForward: 1,
  packInputGrad: 2,
  conv: 3,
  convDw: 4,
  zero: 5,
  bnSum: 6,
  bnMean: 7,
  bnVarSum: 8,
  bnFinish: 9,
  bnEvalPrep: 10,
  bnApply: 11,
  maxPoolFwd: 12,
  maxPoolBwd: 13,
  gapFwd: 14,
  gapBwd: 15,
  fcFwd: 16,
  crossEntropy: 17,
  fcBwd: 18,
  bnBwdSum: 19,
  bnBwdFinish: 20,
  bnBwdApply: 21,
  optimize: 22,
} as const;

export type OpCode = (typeof Op)[keyof typeof Op];

/**
 * What the emitters size work units and scratch space for: the thread count (balance) and the byte address of
 * the threads' scratch space (`threads` × DW_SCRATCH_BYTES, emit-backward.ts).
 * @example
 * const setup: ProgramSetup = { threads: 2, scratch: layout.alloc(2 * DW_SCRATCH_BYTES) };
 */
export interface ProgramSetup {
  threads: number;
  scratch: number;
}

/**
 * Rows per work unit of a CONV op over `rows` rows (a multiple of 4, at most 64): the size whose busiest thread
 * has the fewest rows when `threads` threads claim units in turn (a unit also costs about 4 rows of overhead:
 * it streams the packed filter once).
 */
export function convRowsPerUnit(rows: number, threads: number): number {
  let best = 64;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let r = 64; r >= 16; r -= 4) {
    const units = Math.ceil(rows / r);
    const cost = Math.ceil(units / threads) * (r + 4);
    if (cost < bestCost) {
      best = r;
      bestCost = cost;
    }
  }
  return best;
}

/** An argument: an integer (address, size, flag) or `{ f }` for an f32. */
export type OpArg = number | { f: number };

export interface OpRecord {
  code: OpCode;
  args: OpArg[];
}

/** A list of op records, written into the engine's memory at a fixed address. */
export class Program {
  readonly ops: OpRecord[] = [];

  push(code: OpCode, args: OpArg[]): void {
    if (args.length > REC_WORDS - 2)
      throw new ResNetError("trainer_unsupported", `op ${code}: ${args.length} arguments`);
    this.ops.push({ code, args });
  }

  append(other: Program): void {
    this.ops.push(...other.ops);
  }

  /** Encodes the records at byte address `at` of `buffer`. */
  write(buffer: ArrayBufferLike, at: number): void {
    const i32 = new Int32Array(buffer, at, this.ops.length * REC_WORDS);
    const f32 = new Float32Array(buffer, at, this.ops.length * REC_WORDS);
    const u32 = new Uint32Array(buffer, at, this.ops.length * REC_WORDS);
    i32.fill(0);
    this.ops.forEach((op, r) => {
      const base = r * REC_WORDS;
      i32[base] = op.code;
      op.args.forEach((a, i) => {
        if (typeof a === "number") u32[base + 2 + i] = a >>> 0;
        else f32[base + 2 + i] = a.f;
      });
    });
  }

  get bytes(): number {
    return this.ops.length * REC_BYTES;
  }
}
