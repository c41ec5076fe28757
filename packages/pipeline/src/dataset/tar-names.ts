/**
 * Tar header names are bytes with no declared encoding (pax `path` records, when present, are UTF-8 and arrive
 * already decoded). GNU tar writes whatever bytes the creating system used: UTF-8 today, Latin-1 from older
 * systems. Header names are therefore read as Latin-1 (one char per byte, lossless) and re-decoded here: valid
 * UTF-8 is UTF-8, anything else stays Latin-1, so a Latin-1 `café` is neither mangled into U+FFFD nor allowed to
 * collide with another name that mangles the same way.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a tar entry name read with `filenameEncoding: "latin1"`.
 *
 * @example
 * decodeTarName("cafÃ©/a.jpg") // "café/a.jpg" (UTF-8 bytes)
 * decodeTarName("caf\u00e9/a.jpg") // "café/a.jpg" (Latin-1 bytes)
 */
export function decodeTarName(name: string): string {
  // A char above U+00FF cannot come from a Latin-1 read: it is a pax path, already Unicode.
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) > 0xff) return name;
  try {
    return utf8.decode(Buffer.from(name, "latin1"));
  } catch {
    return name;
  }
}
