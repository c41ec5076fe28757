// A folder picked in the page, packed into one ustar archive (no compression) for POST /v1/datasets.

const enc = new TextEncoder();

function field(buf, offset, length, text) {
  buf.set(enc.encode(text).subarray(0, length), offset);
}

function octal(n, width) {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

function header(path, size) {
  const h = new Uint8Array(512);
  let name = path;
  let prefix = "";
  if (enc.encode(path).length > 100) {
    const cut = path.lastIndexOf("/", 154);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
  }
  field(h, 0, 100, name);
  field(h, 100, 8, "0000644\0");
  field(h, 108, 8, "0000000\0");
  field(h, 116, 8, "0000000\0");
  field(h, 124, 12, octal(size, 12));
  field(h, 136, 12, octal(Math.floor(Date.now() / 1000), 12));
  field(h, 148, 8, "        ");
  h[156] = 0x30; // "0": a regular file
  field(h, 257, 6, "ustar\0");
  field(h, 263, 2, "00");
  field(h, 345, 155, prefix);
  const sum = h.reduce((a, b) => a + b, 0);
  field(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

/** files: File objects with webkitRelativePath (a picked folder). Returns a Blob holding the tar. */
export async function tarFiles(files) {
  const parts = [];
  for (const f of files) {
    const path = f.webkitRelativePath || f.name;
    if (/(^|\/)(\.|__MACOSX)/.test(path)) continue;
    parts.push(header(path, f.size), new Uint8Array(await f.arrayBuffer()));
    const padding = (512 - (f.size % 512)) % 512;
    if (padding) parts.push(new Uint8Array(padding));
  }
  parts.push(new Uint8Array(1024));
  return new Blob(parts, { type: "application/x-tar" });
}
