/** Conversions between the body types an ObjectStore accepts and the bytes it stores. */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";

/** What `ObjectStore.put` accepts. */
export type PutBody = Buffer | Uint8Array | string | Readable;

/**
 * Bytes of a non-stream body, without copying a Buffer or a Uint8Array.
 *
 * @example
 * bodyBytes("hi").length; // 2
 */
export function bodyBytes(body: Buffer | Uint8Array | string): Buffer {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Read a whole stream into one Buffer.
 *
 * @example
 * const bytes = await readAll(Readable.from([Buffer.from("a"), Buffer.from("b")])); // <Buffer 61 62>
 */
export async function readAll(stream: Readable | AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * The ETag both stores report for single-part content: lowercase hex MD5, without the quotes S3 puts around it.
 *
 * @example
 * md5Hex(Buffer.from("")); // "d41d8cd98f00b204e9800998ecf8427e"
 */
export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/**
 * S3 ETags come quoted (`"abc…"`); strip the quotes so both stores report the same string for the same bytes.
 *
 * @example
 * normalizeEtag('"d41d8cd98f00b204e9800998ecf8427e"'); // "d41d8cd98f00b204e9800998ecf8427e"
 */
export function normalizeEtag(etag: string | undefined): string {
  return (etag ?? "").replace(/^"(.*)"$/, "$1");
}

/** True for Node readable streams (the only streaming body the stores accept). */
export function isReadable(body: PutBody): body is Readable {
  return body instanceof Readable;
}
