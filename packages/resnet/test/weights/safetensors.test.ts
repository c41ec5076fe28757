import { execFileSync } from "node:child_process";
import { encodeSafetensors, FormatError, parseSafetensors } from "@residual/resnet";
import { bf16ToFloat32, f16ToFloat32 } from "@residual/resnet/testing";
import { describe, expect, it } from "vitest";

/** A file with a hand-written header: each test breaks exactly one thing. */
function withHeader(header: unknown, data: Uint8Array, lenOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lenOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
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

const f32 = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);

describe("safetensors", () => {
  it("round-trips F32 and I64 tensors with metadata and an 8-byte aligned header", () => {
    const tensors = new Map([
      ["conv1.weight", { shape: [2, 1, 1, 2], data: Float32Array.from([1, -2, 3.5, 4]) }],
      ["bn1.num_batches_tracked", { shape: [], data: BigInt64Array.from([7n]) }],
      ["fc.bias", { shape: [3], data: Float32Array.from([0.25, 0, -1]) }],
    ]);
    const bytes = encodeSafetensors(tensors, { format: "pt" });
    expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: "pt" });
    expect([...file.entries.keys()]).toEqual([...tensors.keys()]);
    expect(file.entries.get("conv1.weight")?.shape).toEqual([2, 1, 1, 2]);
    expect(Array.from(file.float32("conv1.weight"))).toEqual([1, -2, 3.5, 4]);
    expect(Array.from(file.float32("fc.bias"))).toEqual([0.25, 0, -1]);
    expect(file.entries.get("bn1.num_batches_tracked")?.dtype).toBe("I64");
    expect(codeOf(() => file.float32("bn1.num_batches_tracked"))).toBe("safetensors_unsupported_dtype");
    expect(codeOf(() => file.float32("nope"))).toBe("safetensors_missing_tensor");
  });

  it("converts F16, BF16 and F64 to float32 exactly", () => {
    // 1, -2, 65504 (max), 2^-24 (smallest subnormal), +inf
    const f16 = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c]);
    expect(Array.from(f16ToFloat32(f16))).toEqual([1, -2, 65504, 2 ** -24, Number.POSITIVE_INFINITY]);
    expect(Number.isNaN(f16ToFloat32(new Uint8Array([0x01, 0x7e]))[0])).toBe(true);
    expect(Array.from(bf16ToFloat32(new Uint8Array([0x80, 0x3f, 0x20, 0xc0])))).toEqual([1, -2.5]);
    const f64 = new Uint8Array(new Float64Array([0.5, -3]).buffer);
    const file = parseSafetensors(
      withHeader(
        {
          a: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
          b: { dtype: "F64", shape: [2], data_offsets: [4, 20] },
        },
        new Uint8Array([0x00, 0x3c, 0x00, 0xc0, ...f64]),
      ),
    );
    expect(Array.from(file.float32("a"))).toEqual([1, -2]);
    expect(Array.from(file.float32("b"))).toEqual([0.5, -3]);
  });

  it("agrees with numpy's float16 on random values", () => {
    const script = [
      "import numpy as np, sys",
      "x = np.random.default_rng(0).standard_normal(1000).astype(np.float16)",
      "sys.stdout.write(x.tobytes().hex() + ' ' + ','.join(repr(float(v)) for v in x))",
    ].join("\n");
    const [hex = "", values = ""] = execFileSync("/usr/bin/python3", ["-c", script], {
      encoding: "utf8",
    }).split(" ");
    const ours = f16ToFloat32(Uint8Array.from(Buffer.from(hex, "hex")));
    expect(Array.from(ours)).toEqual(values.split(",").map(Number));
  });

  it("rejects truncated and malicious headers with specific codes", () => {
    const entry = { dtype: "F32", shape: [2], data_offsets: [0, 8] };
    expect(codeOf(() => parseSafetensors(new Uint8Array(5)))).toBe("safetensors_truncated");
    expect(codeOf(() => parseSafetensors(withHeader({ a: entry }, f32([1, 2]), 10n ** 12n)))).toBe(
      "safetensors_bad_header",
    );
    expect(codeOf(() => parseSafetensors(withHeader({ a: entry }, f32([1, 2]), 4000n)))).toBe(
      "safetensors_truncated",
    );
    expect(codeOf(() => parseSafetensors(withHeader({ a: entry }, f32([1]))))).toBe(
      "safetensors_bad_offsets",
    );
    expect(codeOf(() => parseSafetensors(withHeader({ a: entry }, f32([1, 2, 3]))))).toBe(
      "safetensors_truncated",
    );
    expect(codeOf(() => parseSafetensors(withHeader([1, 2], f32([]))))).toBe("safetensors_bad_header");
    expect(codeOf(() => parseSafetensors(withHeader({ a: { ...entry, dtype: "F17" } }, f32([1, 2]))))).toBe(
      "safetensors_bad_header",
    );
    expect(codeOf(() => parseSafetensors(withHeader({ a: { ...entry, shape: [-2] } }, f32([1, 2]))))).toBe(
      "safetensors_bad_header",
    );
    const size = { dtype: "F32", shape: [2], data_offsets: [0, 12] };
    expect(codeOf(() => parseSafetensors(withHeader({ a: size }, f32([1, 2, 3]))))).toBe(
      "safetensors_bad_offsets",
    );
    const overlap = { a: entry, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } };
    expect(codeOf(() => parseSafetensors(withHeader(overlap, f32([1, 2]))))).toBe("safetensors_bad_offsets");
    const meta = { __metadata__: { n: 3 }, a: entry };
    expect(codeOf(() => parseSafetensors(withHeader(meta, f32([1, 2]))))).toBe("safetensors_bad_header");
    const notJson = withHeader({ a: entry }, f32([1, 2]));
    notJson[8] = 0x7b + 1;
    expect(codeOf(() => parseSafetensors(notJson))).toBe("safetensors_bad_header");
  });
});
