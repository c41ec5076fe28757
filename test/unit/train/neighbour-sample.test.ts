/** The per-class cap on stored validation embeddings: every row under the cap, else a fair, spread, stable share. */
import { sampleNeighbourRows } from "@residual/pipeline/testing";
import { describe, expect, it } from "vitest";

describe("sampleNeighbourRows", () => {
  it("keeps every row when there are at most `cap`", () => {
    expect(sampleNeighbourRows([1, 0, 1, 0], 2, 4)).toEqual([0, 1, 2, 3]);
  });

  it("shares the cap between classes, a small class keeping all it has, picks spread over each class", () => {
    // class 0: rows 0–9, class 1: rows 10–11, class 2: rows 12–21
    const labels = [...Array(10).fill(0), 1, 1, ...Array(10).fill(2)];
    const picked = sampleNeighbourRows(labels, 3, 8);
    expect(picked).toHaveLength(8);
    const per = [0, 1, 2].map((c) => picked.filter((i) => labels[i] === c));
    expect(per.map((p) => p.length)).toEqual([3, 2, 3]);
    expect(per[0]).toEqual([0, 3, 6]);
    expect(per[2]).toEqual([12, 15, 18]);
    expect(sampleNeighbourRows(labels, 3, 8)).toEqual(picked);
  });

  it("returns no rows for a cap of 0", () => {
    expect(sampleNeighbourRows([0, 1, 1], 2, 0)).toEqual([]);
  });
});
