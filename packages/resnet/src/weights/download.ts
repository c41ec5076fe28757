/**
 * Download a file into memory with progress, using Node's global `fetch` and the response's byte stream.
 */
import { DownloadError } from "../errors.js";

/**
 * How far a download is (bytes so far, the total when the server says it).
 * @example
 * fetchWeights(tag, dir, { onProgress: (p: DownloadProgress) => console.log(p.received, p.total) });
 */
export interface DownloadProgress {
  url: string;
  received: number;
  /** From `Content-Length`; undefined when the server does not say. */
  total: number | undefined;
}

export interface DownloadOptions {
  /** Called after every chunk. */
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

/**
 * GET `url` and return its body. Throws {@link DownloadError} (`WEIGHTS_DOWNLOAD_FAILED`) on network errors,
 * non-2xx answers and bodies shorter or longer than their `Content-Length`.
 * @example
 * const bytes = await download(url, { onProgress: (p) => console.error(p.received, p.total) });
 */
export async function download(url: string, opts: DownloadOptions = {}): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: opts.signal, redirect: "follow" });
  } catch (cause) {
    throw new DownloadError(`GET ${url} failed: ${String(cause)}`, { cause });
  }
  if (!res.ok || !res.body) {
    throw new DownloadError(`GET ${url} answered ${res.status} ${res.statusText}`);
  }
  const header = res.headers.get("content-length");
  const total = header === null ? undefined : Number(header);
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for await (const chunk of res.body) {
      chunks.push(chunk);
      received += chunk.length;
      opts.onProgress?.({ url, received, total });
    }
  } catch (cause) {
    throw new DownloadError(`GET ${url} broke off after ${received} bytes`, {
      cause,
    });
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError(`GET ${url}: got ${received} of ${total} bytes`);
  }
  return concat(chunks, received);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
