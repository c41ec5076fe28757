/**
 * The CLI's one output rule: `--json` prints machine-readable JSON (JSON Lines for per-item results); without it
 * a terminal gets human-readable text (tables) and a pipe gets JSON, so `residual … | jq` works either way.
 */

/**
 * Whether a command prints JSON: `--json`, or stdout is not a terminal.
 * @example
 * if (wantsJson(o.json)) process.stdout.write(`${JSON.stringify(row)}\n`);
 */
export function wantsJson(flag: boolean | undefined, out: { isTTY?: boolean } = process.stdout): boolean {
  return flag === true || out.isTTY !== true;
}

/**
 * Rows as aligned columns (two spaces apart), the header first when given.
 * @example
 * table([["a.jpg", "cat", "0.91"]], ["FILE", "LABEL", "SCORE"]); // "FILE   LABEL  SCORE\na.jpg  cat    0.91"
 */
export function table(rows: readonly (readonly string[])[], header?: readonly string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const r of all) {
    for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return all
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  "))
    .join("\n");
}
