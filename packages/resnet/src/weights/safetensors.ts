/**
 * The `.safetensors` format: 8-byte little-endian header length, a JSON header
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { str: str } }`, then the raw data.
 * Offsets are relative to the data section. The header comes from whoever made the file, so everything in it is
 * checked before a byte of data is trusted (https://github.com/huggingface/safetensors#format).
 */
import { z } from "zod";
import { FormatError } from "../errors.js";
import { decodeFloat32LE, encodeFloat32LE } from "../io/npy.js";
import { bf16ToFloat32, f16ToFloat32 } from "./half-float.js";

const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;
/**
 * The safetensors dtypes this package reads.
 * @example
 * const dtype: SafetensorsDtype = "F16";
 */
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

/** The reference implementation refuses headers over 100 MB; a bigger one is an attack, not a model. */
const MAX_HEADER_BYTES = 100_000_000;

const entrySchema = z.object({
  dtype: z.enum(Object.keys(DTYPE_BYTES) as [SafetensorsDtype, ...SafetensorsDtype[]]),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});
const metadataSchema = z.record(z.string(), z.string());

/**
 * One tensor's description in the header. `begin`/`end` are absolute offsets into the file.
 * @example
 * const entry: SafetensorsEntry | undefined = parseSafetensors(bytes).entries.get("fc.weight");
 */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * A parsed file: entries are validated; tensor data is decoded only when asked for.
 * @example
 * const file: SafetensorsFile = parseSafetensors(bytes);
 */
export interface SafetensorsFile {
  metadata: Record<string, string>;
  entries: Map<string, SafetensorsEntry>;
  /** Decode one tensor to float32 (F32, F16, BF16, F64). Throws for integer dtypes and unknown names. */
  float32(name: string): Float32Array;
}

function bad(code: ConstructorParameters<typeof FormatError>[0], what: string, msg: string): never {
  throw new FormatError(code, `${what}: ${msg}`);
}

function readHeaderJson(bytes: Uint8Array, what: string): { json: unknown; dataStart: number } {
  if (bytes.length < 8) bad("safetensors_truncated", what, "shorter than the 8-byte header length");
  const len = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (len > BigInt(MAX_HEADER_BYTES))
    bad("safetensors_bad_header", what, `header length ${len} is too large`);
  const n = Number(len);
  if (8 + n > bytes.length)
    bad("safetensors_truncated", what, `header of ${n} bytes runs past the end of the file`);
  try {
    return {
      json: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n))),
      dataStart: 8 + n,
    };
  } catch (cause) {
    throw new FormatError("safetensors_bad_header", `${what}: header is not valid UTF-8 JSON`, { cause });
  }
}

function parseEntries(json: unknown, dataStart: number, dataLen: number, what: string): SafetensorsEntry[] {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    bad("safetensors_bad_header", what, "header is not a JSON object");
  }
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === "__metadata__") continue;
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      bad(
        "safetensors_bad_header",
        what,
        `tensor '${name}': ${parsed.error.issues.map((i) => i.message).join("; ")}`,
      );
    }
    const {
      dtype,
      shape,
      data_offsets: [b, e],
    } = parsed.data;
    const expected = shape.reduce((a, d) => a * d, 1) * DTYPE_BYTES[dtype];
    if (b > e || e > dataLen)
      bad(
        "safetensors_bad_offsets",
        what,
        `tensor '${name}' offsets [${b}, ${e}] outside the ${dataLen}-byte data`,
      );
    if (e - b !== expected)
      bad(
        "safetensors_bad_offsets",
        what,
        `tensor '${name}' ${dtype}[${shape}] needs ${expected} bytes, offsets give ${e - b}`,
      );
    entries.push({ name, dtype, shape, begin: dataStart + b, end: dataStart + e });
  }
  checkCoverage(entries, dataStart, dataLen, what);
  return entries;
}

/** Tensors must tile the data section exactly: no overlaps (aliasing attacks) and no hidden bytes. */
function checkCoverage(entries: SafetensorsEntry[], dataStart: number, dataLen: number, what: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = dataStart;
  for (const e of sorted) {
    if (e.begin !== at) {
      bad(
        "safetensors_bad_offsets",
        what,
        `tensor '${e.name}' starts at ${e.begin - dataStart}, expected ${at - dataStart} (overlap or gap)`,
      );
    }
    at = e.end;
  }
  if (at !== dataStart + dataLen) {
    bad("safetensors_truncated", what, `tensors cover ${at - dataStart} of ${dataLen} data bytes`);
  }
}

function decode(bytes: Uint8Array, e: SafetensorsEntry, what: string): Float32Array {
  const raw = bytes.subarray(e.begin, e.end);
  if (e.dtype === "F32") return decodeFloat32LE(raw);
  if (e.dtype === "F16") return f16ToFloat32(raw);
  if (e.dtype === "BF16") return bf16ToFloat32(raw);
  if (e.dtype === "F64") {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Float32Array.from({ length: raw.length / 8 }, (_, i) => view.getFloat64(i * 8, true));
  }
  return bad(
    "safetensors_unsupported_dtype",
    what,
    `tensor '${e.name}' has dtype ${e.dtype}; only F32, F16, BF16 and F64 convert to float32`,
  );
}

/**
 * Parse and validate a `.safetensors` file held in memory.
 * @param what - how to name the file in error messages
 * @example
 * const st = parseSafetensors(await readFile("model.safetensors"));
 * const w = st.float32("conv1.weight"); // shape: st.entries.get("conv1.weight")!.shape
 */
export function parseSafetensors(bytes: Uint8Array, what = "safetensors data"): SafetensorsFile {
  const { json, dataStart } = readHeaderJson(bytes, what);
  const entries = parseEntries(json, dataStart, bytes.length - dataStart, what);
  const rawMeta = (json as Record<string, unknown>).__metadata__;
  const meta =
    rawMeta === undefined ? { success: true as const, data: {} } : metadataSchema.safeParse(rawMeta);
  if (!meta.success) bad("safetensors_bad_header", what, "__metadata__ must map strings to strings");
  const byName = new Map(entries.map((e) => [e.name, e]));
  return {
    metadata: meta.data,
    entries: byName,
    float32(name: string): Float32Array {
      const e = byName.get(name);
      if (!e) bad("safetensors_missing_tensor", what, `no tensor named '${name}'`);
      return decode(bytes, e, what);
    },
  };
}

/**
 * A tensor to write: float32 data, or int64 (`num_batches_tracked` in torch state dicts).
 * @example
 * const t: SafetensorsTensor = { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) };
 */
export interface SafetensorsTensor {
  shape: number[];
  data: Float32Array | BigInt64Array;
}

/**
 * Encode tensors as `.safetensors` bytes (F32 / I64), in the map's order, header padded to 8 bytes.
 * @example
 * const bytes = encodeSafetensors(new Map([["fc.bias", { shape: [2], data: new Float32Array(2) }]]), { format: "pt" });
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length)
      throw new FormatError(
        "safetensors_bad_header",
        `tensor '${name}': shape [${t.shape}] does not match ${t.data.length} values`,
      );
    const isInt = t.data instanceof BigInt64Array;
    header[name] = {
      dtype: isInt ? "I64" : "F32",
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + json.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    const raw = t.data instanceof BigInt64Array ? int64LE(t.data) : encodeFloat32LE(t.data);
    out.set(raw, at);
    at += raw.length;
  }
  return out;
}

function int64LE(data: BigInt64Array): Uint8Array {
  const out = new Uint8Array(data.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, data[i] ?? 0n, true);
  return out;
}
