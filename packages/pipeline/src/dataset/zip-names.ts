/**
 * Zip entry names are bytes: UTF-8 when flag bit 11 is set, otherwise "the local code page" (CP437 per the spec).
 * Many tools write UTF-8 without the flag, so valid UTF-8 is taken as UTF-8 first and CP437 is the fallback.
 */

const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a raw zip file name.
 *
 * @example
 * decodeZipName(Buffer.from([0x63, 0x61, 0x66, 0x82]), false); // "café" (CP437 0x82 = é)
 */
export function decodeZipName(raw: Buffer, utf8Flag: boolean): string {
  if (utf8Flag) return raw.toString("utf8");
  try {
    return utf8.decode(raw);
  } catch {
    let s = "";
    for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
    return s;
  }
}
