import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpy, FormatError, parseNpy, readNpy, writeNpy } from "@residual/resnet";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "npy-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Build a .npy by hand: lets each test break exactly one thing. */
function handMade(header: string, data: Uint8Array, version = 1): Uint8Array {
  const text = new TextEncoder().encode(header);
  const lenBytes = version === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lenBytes + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, 8 + lenBytes);
  out.set(data, 8 + lenBytes + text.length);
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return (e as FormatError).code;
  }
  return undefined;
}

const floats = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);

describe("npy", () => {
  it("round-trips shapes of every rank, with 64-byte aligned data", () => {
    for (const shape of [[], [3], [2, 3], [1, 2, 3, 4]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 1);
      const bytes = encodeNpy({ shape, data });
      const headerLen = new DataView(bytes.buffer).getUint16(8, true);
      expect((10 + headerLen) % 64).toBe(0);
      const back = parseNpy(bytes);
      expect(back.shape).toEqual(shape);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it("reads version 2 headers and Python 2 long shapes", () => {
    const bytes = handMade(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 1L), }\n",
      floats([1, 2]),
      2,
    );
    const arr = parseNpy(bytes);
    expect(arr.shape).toEqual([2, 1]);
    expect(Array.from(arr.data)).toEqual([1, 2]);
  });

  it("reads unaligned data offsets", () => {
    const arr = parseNpy(
      handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", floats([4, 5, 6])),
    );
    expect(Array.from(arr.data)).toEqual([4, 5, 6]);
  });

  it("gives a specific error for each kind of bad file", () => {
    const ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
    expect(codeOf(() => parseNpy(new TextEncoder().encode("PK\u0003\u0004 not numpy")))).toBe(
      "npy_bad_magic",
    );
    expect(codeOf(() => parseNpy(handMade(ok.replace("<f4", "<f8"), new Uint8Array(16))))).toBe(
      "npy_unsupported_dtype",
    );
    expect(codeOf(() => parseNpy(handMade(ok.replace("<f4", ">f4"), floats([1, 2]))))).toBe(
      "npy_unsupported_dtype",
    );
    expect(codeOf(() => parseNpy(handMade(ok.replace("False", "True"), floats([1, 2]))))).toBe(
      "npy_fortran_order",
    );
    expect(codeOf(() => parseNpy(handMade(ok, floats([1]))))).toBe("npy_truncated");
    expect(codeOf(() => parseNpy(handMade(ok, floats([1, 2, 3]))))).toBe("npy_trailing_data");
    expect(codeOf(() => parseNpy(handMade("{'descr': '<f4'}\n", floats([1, 2]))))).toBe("npy_bad_header");
    expect(codeOf(() => parseNpy(handMade(ok, floats([1, 2])).subarray(0, 20)))).toBe("npy_truncated");
  });

  it("names the file and the fix in the message", async () => {
    const path = join(dir, "f64.npy");
    execFileSync("/usr/bin/python3", [
      "-c",
      `import numpy as np; np.save(${JSON.stringify(path)}, np.zeros(3))`,
    ]);
    await expect(readNpy(path)).rejects.toThrow(/f64\.npy: dtype '<f8' is not supported.*astype/);
  });

  it("agrees with numpy in both directions", async () => {
    const ours = join(dir, "ours.npy");
    const theirs = join(dir, "theirs.npy");
    await writeNpy(ours, { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) });
    const script = [
      "import numpy as np, sys",
      "a = np.load(sys.argv[1])",
      "assert a.dtype == np.float32 and a.shape == (2, 3), (a.dtype, a.shape)",
      "np.save(sys.argv[2], np.ascontiguousarray(a.T * 2, dtype=np.float32))",
      "print(float(a.sum()))",
    ].join("\n");
    const out = execFileSync("/usr/bin/python3", ["-c", script, ours, theirs], { encoding: "utf8" });
    expect(Number(out.trim())).toBe(21.5);
    const back = parseNpy(readFileSync(theirs));
    expect(back.shape).toEqual([3, 2]);
    expect(Array.from(back.data)).toEqual([2, 8, 4, 10, 6, 13]);
  });
});
