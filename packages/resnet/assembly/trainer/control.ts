// Threads and the program: every thread (the caller as thread 0, workers 1..n-1) runs the same op list, claims
// units of each op and meets the others at a barrier after it. Workers sleep in workerLoop between programs.
//
// Control block (bytes): 0 start generation, 4 quit, 8 threads, 12 program address, 16 op count, 20 abort,
// 64 barrier count, 128 barrier generation (own cache lines: they are the contended words).
import { REC_BYTES, setThread } from "./common";
import { conv, convDw, packForward, packInputGrad } from "./conv";
import { fcBwd, fcFwd, crossEntropy } from "./head";
import {
  bnApply,
  bnBwdApply,
  bnBwdFinish,
  bnBwdSum,
  bnEvalPrep,
  bnFinish,
  bnMean,
  bnSum,
  bnVarSum,
  zero,
} from "./norm";
import { optimize } from "./optim";
import { gapBwd, gapFwd, maxPoolBwd, maxPoolFwd } from "./pool";

const START: usize = 0;
const QUIT: usize = 4;
const THREADS: usize = 8;
const PROGRAM: usize = 12;
const COUNT: usize = 16;
const ABORT: usize = 20;
const BAR_COUNT: usize = 64;
const BAR_GEN: usize = 128;
const SPIN: i32 = 20000;

// Sleeping and waking go through the host's Atomics.wait / Atomics.notify: V8 11's wasm wait32 missed wake-ups
// under load in our barrier stress test (a thread stayed asleep past its timeout with the word already changed).
@external("env", "hostWait")
declare function hostWait(addr: usize, expected: i32, ms: f64): void;
@external("env", "hostNotify")
declare function hostNotify(addr: usize): void;

@inline function aborted(ctl: usize): bool {
  return atomic.load<i32>(ctl + ABORT) != 0;
}

function barrier(ctl: usize, n: i32): void {
  if (n == 1) return;
  const gen = atomic.load<i32>(ctl + BAR_GEN);
  if (atomic.add<i32>(ctl + BAR_COUNT, 1) == n - 1) {
    atomic.store<i32>(ctl + BAR_COUNT, 0);
    atomic.add<i32>(ctl + BAR_GEN, 1);
    hostNotify(ctl + BAR_GEN);
    return;
  }
  let spins = 0;
  while (atomic.load<i32>(ctl + BAR_GEN) == gen && !aborted(ctl)) {
    if (++spins > SPIN) hostWait(ctl + BAR_GEN, gen, 1000);
  }
}

function dispatch(op: usize): void {
  const code = load<i32>(op);
  switch (code) {
    case 1: packForward(op); break;
    case 2: packInputGrad(op); break;
    case 3: conv(op); break;
    case 4: convDw(op); break;
    case 5: zero(op); break;
    case 6: bnSum(op); break;
    case 7: bnMean(op); break;
    case 8: bnVarSum(op); break;
    case 9: bnFinish(op); break;
    case 10: bnEvalPrep(op); break;
    case 11: bnApply(op); break;
    case 12: maxPoolFwd(op); break;
    case 13: maxPoolBwd(op); break;
    case 14: gapFwd(op); break;
    case 15: gapBwd(op); break;
    case 16: fcFwd(op); break;
    case 17: crossEntropy(op); break;
    case 18: fcBwd(op); break;
    case 19: bnBwdSum(op); break;
    case 20: bnBwdFinish(op); break;
    case 21: bnBwdApply(op); break;
    case 22: optimize(op); break;
    default: unreachable();
  }
}

/** Runs the current program as thread `tid`; returns false if another thread aborted. */
export function run(ctl: usize, tid: i32): bool {
  const n = load<i32>(ctl + THREADS);
  let op = <usize>load<u32>(ctl + PROGRAM);
  const end = op + <usize>load<u32>(ctl + COUNT) * REC_BYTES;
  const where = ctl + 256 + (<usize>tid << 6);
  setThread(tid);
  for (; op < end; op += REC_BYTES) {
    atomic.store<u32>(where, <u32>op);
    dispatch(op);
    atomic.store<u32>(where + 4, <u32>op);
    barrier(ctl, n);
    if (aborted(ctl)) return false;
  }
  return true;
}

/**
 * A worker's life: wait for the start generation to move past `seen` (its value when the worker was created,
 * so a start that comes before this thread gets here is not missed), run the program, until quit.
 */
export function workerLoop(ctl: usize, tid: i32, seen: i32): void {
  while (true) {
    let spins = 0;
    while (atomic.load<i32>(ctl + START) == seen) {
      if (++spins > SPIN) hostWait(ctl + START, seen, 1000);
    }
    seen = atomic.load<i32>(ctl + START);
    if (atomic.load<i32>(ctl + QUIT) != 0) return;
    run(ctl, tid);
  }
}

/** Resets the work counters of `count` op records at `program` (thread 0, before a start). */
/** First byte the host may lay out (after the module's static data). */
export function heapBase(): usize {
  return __heap_base;
}

export function resetCounters(program: usize, count: i32): void {
  for (let i = 0; i < count; i++) store<i32>(program + <usize>i * REC_BYTES + 4, 0);
}
