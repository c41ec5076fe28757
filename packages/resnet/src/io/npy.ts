/**
 * NumPy `.npy` files (format versions 1, 2 and 3), float32 only: the exchange format for tensors between the CLI,
 * tests and PyTorch. See https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html.
 */
import { readFile, writeFile } from "node:fs/promises";
import { FormatError } from "../errors.js";

/**
 * A dense float32 array in C (row-major) order.
 * @example
 * const { shape, data }: NpyArray = await readNpy("x.npy");
 */
export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const PREAMBLE = 6 + 2; // magic + version bytes
const ALIGN = 64;

function fail(code: ConstructorParameters<typeof FormatError>[0], what: string, msg: string): never {
  throw new FormatError(code, `${what}: ${msg}`);
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

function readHeader(bytes: Uint8Array, what: string): NpyHeader {
  if (bytes.length < PREAMBLE + 2 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail("npy_bad_magic", what, "not a .npy file (missing the \\x93NUMPY magic)");
  }
  const major = bytes[6] ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major < 1 || major > 3) fail("npy_bad_header", what, `unsupported .npy format version ${major}`);
  // Version 1 stores the header length in 2 bytes; versions 2 and 3 in 4 (3 only changes the header encoding).
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < PREAMBLE + lenBytes) fail("npy_truncated", what, "file ends inside the header");
  const headerLen = major === 1 ? view.getUint16(PREAMBLE, true) : view.getUint32(PREAMBLE, true);
  const start = PREAMBLE + lenBytes;
  if (bytes.length < start + headerLen) fail("npy_truncated", what, "file ends inside the header");
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(start, start + headerLen),
  );
  return { ...parseHeaderDict(text, what), dataOffset: start + headerLen };
}

/** The header is a Python dict literal; numpy always writes these three keys, so three patterns suffice. */
function parseHeaderDict(text: string, what: string): Omit<NpyHeader, "dataOffset"> {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    fail("npy_bad_header", what, `cannot parse the header ${JSON.stringify(text.trim())}`);
  }
  const parts = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const shape = parts.map((s) => (/^\d+L?$/.test(s) ? Number(s.replace(/L$/, "")) : Number.NaN));
  if (shape.some((d) => !Number.isSafeInteger(d))) fail("npy_bad_header", what, `bad shape (${shapeText})`);
  return { descr, fortranOrder: fortran === "True", shape };
}

/**
 * Parse the bytes of a `.npy` file holding little-endian float32 data in C order.
 * Throws {@link FormatError} with a specific code for a bad magic, other dtypes, Fortran order or truncated data.
 * @param what - how to name the file in error messages
 * @example
 * const { shape, data } = parseNpy(await readFile("x.npy"));
 */
export function parseNpy(bytes: Uint8Array, what = "npy data"): NpyArray {
  const h = readHeader(bytes, what);
  if (h.descr !== "<f4") {
    fail(
      "npy_unsupported_dtype",
      what,
      `dtype '${h.descr}' is not supported; expected little-endian float32 ('<f4'), e.g. np.save(path, x.astype('<f4'))`,
    );
  }
  if (h.fortranOrder) {
    fail("npy_fortran_order", what, "Fortran-ordered arrays are not supported; save np.ascontiguousarray(x)");
  }
  const count = h.shape.reduce((a, b) => a * b, 1);
  const have = bytes.length - h.dataOffset;
  if (have < count * 4) {
    fail("npy_truncated", what, `shape [${h.shape}] needs ${count * 4} data bytes, the file has ${have}`);
  }
  if (have > count * 4)
    fail("npy_trailing_data", what, `${have - count * 4} unexpected bytes after the data`);
  return { shape: h.shape, data: decodeFloat32LE(bytes.subarray(h.dataOffset)) };
}

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copy little-endian float32 bytes into a fresh, aligned Float32Array (whatever the host byte order).
 * @example
 * decodeFloat32LE(new Uint8Array([0, 0, 128, 63])); // Float32Array [1]
 */
export function decodeFloat32LE(bytes: Uint8Array): Float32Array {
  const n = bytes.length >>> 2;
  if (HOST_LE) {
    // Copy through a fresh Uint8Array: Buffer#slice returns a view into a shared pool, not a copy.
    const copy = new Uint8Array(n * 4);
    copy.set(bytes.subarray(0, n * 4));
    return new Float32Array(copy.buffer);
  }
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * Little-endian bytes of a Float32Array (a view when the host is little-endian).
 * @example
 * encodeFloat32LE(new Float32Array([1])); // Uint8Array [0, 0, 128, 63]
 */
export function encodeFloat32LE(data: Float32Array): Uint8Array {
  if (HOST_LE) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] ?? 0, true);
  return out;
}

function shapeLiteral(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * Encode a float32 array as `.npy` bytes (version 1, or 2 when the header needs it), readable by `np.load`.
 * @example
 * await writeFile("y.npy", encodeNpy({ shape: [2, 3], data: new Float32Array(6) }));
 */
export function encodeNpy(array: NpyArray): Uint8Array {
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new FormatError(
      "npy_bad_header",
      `shape [${array.shape}] does not match ${array.data.length} values`,
    );
  }
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeLiteral(array.shape)}, }`;
  const version = dict.length + 1 + PREAMBLE + 2 > 0xffff ? 2 : 1;
  const lenBytes = version === 1 ? 2 : 4;
  // numpy pads the header with spaces so that the data starts on a 64-byte boundary, ending it with "\n".
  const unpadded = PREAMBLE + lenBytes + dict.length + 1;
  const header = `${dict}${" ".repeat((ALIGN - (unpadded % ALIGN)) % ALIGN)}\n`;
  const out = new Uint8Array(PREAMBLE + lenBytes + header.length + count * 4);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(PREAMBLE, header.length, true);
  else view.setUint32(PREAMBLE, header.length, true);
  out.set(new TextEncoder().encode(header), PREAMBLE + lenBytes);
  out.set(encodeFloat32LE(array.data), PREAMBLE + lenBytes + header.length);
  return out;
}

/**
 * Read a float32 `.npy` file.
 * @example
 * const x = await readNpy("input.npy"); // { shape: [2, 3, 224, 224], data }
 */
export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readFile(path), path);
}

/**
 * Write a float32 `.npy` file.
 * @example
 * await writeNpy("logits.npy", { shape: [1, 1000], data: logits });
 */
export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await writeFile(path, encodeNpy(array));
}
