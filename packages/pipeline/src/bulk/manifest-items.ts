/**
 * The items of a bulk run read from a manifest instead of a listing, as the state machine's ItemReaders read them:
 * a CSV whose first row names a `Key` column (keys as written), or an S3 Inventory `manifest.json` whose CSV data
 * files (gzip, no header row, columns named by `fileSchema`) list every key URL-encoded. AWS: "When using the CSV
 * file format, the key name is URL-encoded and must be decoded before you can use it" — form encoding, so a space
 * is `+` (a `+` of the key is `%2B`) and every other byte outside the unreserved set, UTF-8 first, is `%XX`.
 */
import { gunzipSync } from "node:zlib";
import { z } from "zod";
import { InvalidInputError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import type { BulkItem } from "./run-bulk-batch.js";

/**
 * A key as an S3 Inventory CSV writes it, decoded: `+` is a space, `%XX` a UTF-8 byte.
 * @throws InvalidInputError `invalid_manifest` for a `%` that starts no valid escape (the key was not encoded).
 * @example
 * decodeInventoryKey("images/a+b%2Bc%20%C3%A9.jpg"); // "images/a b+c é.jpg"
 */
export function decodeInventoryKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    throw new InvalidInputError(
      "invalid_manifest",
      `S3 Inventory key ${JSON.stringify(key)} is not validly URL-encoded (a "%" that starts no %XX UTF-8 escape)`,
    );
  }
}

/**
 * RFC 4180 rows: quoted fields (`""` is a quote) may hold commas and line breaks; CRLF or LF ends a row; blank
 * lines are skipped.
 * @example
 * parseCsv('Key,Size\n"a,b.jpg",12\n'); // [["Key", "Size"], ["a,b.jpg", "12"]]
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== "") rows.push(row);
    row = [];
    field = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRow();
    } else {
      field += c;
    }
  }
  if (field.length > 0 || row.length > 0) endRow();
  return rows;
}

const InventoryManifestSchema = z.looseObject({
  fileFormat: z.string(),
  fileSchema: z.string().min(1),
  files: z.array(z.looseObject({ key: z.string().min(1) })),
});

function bad(key: string, why: string): InvalidInputError {
  return new InvalidInputError("invalid_manifest", `manifest ${key}: ${why}`);
}

async function csvItems(store: ObjectStore, key: string): Promise<BulkItem[]> {
  const [header, ...rows] = parseCsv((await store.get(key)).toString("utf8").replace(/^\uFEFF/, ""));
  const col = header?.findIndex((h) => h.trim() === "Key") ?? -1;
  if (col < 0) throw bad(key, 'its first row names no "Key" column');
  const size = header!.findIndex((h) => h.trim() === "Size");
  return rows
    .filter((r) => (r[col] ?? "") !== "")
    .map((r) => ({ Key: r[col]!, ...(size >= 0 && r[size] ? { Size: Number(r[size]) } : {}) }));
}

async function inventoryItems(store: ObjectStore, key: string): Promise<BulkItem[]> {
  const parsed = InventoryManifestSchema.safeParse(JSON.parse((await store.get(key)).toString("utf8")));
  if (!parsed.success) throw bad(key, "not an S3 Inventory manifest.json (fileFormat, fileSchema, files)");
  const m = parsed.data;
  if (m.fileFormat.toUpperCase() !== "CSV") throw bad(key, `fileFormat ${m.fileFormat}; only CSV is read`);
  const columns = m.fileSchema.split(",").map((c) => c.trim());
  const col = columns.indexOf("Key");
  const size = columns.indexOf("Size");
  if (col < 0) throw bad(key, `fileSchema ${JSON.stringify(m.fileSchema)} has no Key`);
  const items: BulkItem[] = [];
  for (const f of m.files) {
    const raw = await store.get(f.key);
    const text = (f.key.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
    for (const r of parseCsv(text)) {
      if (!r[col]) continue;
      items.push({
        Key: decodeInventoryKey(r[col]),
        ...(size >= 0 && r[size] ? { Size: Number(r[size]) } : {}),
      });
    }
  }
  return items;
}

/**
 * Every item a manifest of `store` lists, keys decoded: `*.json` is an S3 Inventory manifest, anything else a CSV
 * with a `Key` header. Data files of an inventory are read from the same store as its manifest.
 * @throws InvalidInputError `invalid_manifest` when it is neither.
 * @example
 * const items = await readManifestItems(openObjectStore("s3://data"), "inventory/data/2024-01-01T01-00Z/manifest.json");
 */
export async function readManifestItems(store: ObjectStore, key: string): Promise<BulkItem[]> {
  return key.endsWith(".json") ? inventoryItems(store, key) : csvItems(store, key);
}
