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
