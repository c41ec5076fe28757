import { ThreadCountBandit } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

/** Drive the chooser for `batches` batches against a cost model; returns how often each option ran. */
function drive(
  c: ThreadCountBandit,
  batches: number,
  msPerImage: (threads: number, batch: number) => number,
) {
  const used = c.options.map(() => 0);
  for (let b = 0; b < batches; b++) {
    const i = c.next();
    used[i]!++;
    c.record(i, msPerImage(c.options[i]!, b) * 32, 32);
  }
  return used;
}

describe("ThreadCountBandit", () => {
  it("warms every option up, then mostly runs the faster one (idle machine: more threads)", () => {
    const c = new ThreadCountBandit([2, 1]);
    const used = drive(c, 80, (t) => (t === 2 ? 2.2 : 4.3));
    expect(c.best()).toBe(0);
    expect(used[0]).toBeGreaterThan(65);
    expect(used[1]).toBeGreaterThanOrEqual(2);
  });

  it("switches to one thread when contention makes it faster, and back when it goes away", () => {
    const c = new ThreadCountBandit([2, 1]);
    const busy = (b: number) => b >= 20 && b < 60;
    drive(c, 60, (t, b) => (t === 2 ? (busy(b) ? 12.4 : 2.2) : busy(b) ? 9.1 : 4.3));
    expect(c.options[c.best()]).toBe(1);
    drive(c, 60, (t) => (t === 2 ? 2.2 : 4.3));
    expect(c.options[c.best()]).toBe(2);
  });

  it("with one option always runs it", () => {
    const c = new ThreadCountBandit([4]);
    expect(drive(c, 10, () => 1)).toEqual([10]);
  });
});
