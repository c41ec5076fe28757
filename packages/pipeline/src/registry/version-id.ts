import { randomBytes } from "node:crypto";

/**
 * A new version id that sorts by time: `YYYYMMDDTHHMMSSmmmZ-xxxx` (UTC, milliseconds, 4 random hex digits so two
 * publishers in the same millisecond do not collide).
 * @example
 * newVersionId(new Date("2025-11-27T16:21:35.123Z")); // "20251127T162135123Z-3f9a"
 */
export function newVersionId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(".", "");
  return `${stamp}-${randomBytes(2).toString("hex")}`;
}
